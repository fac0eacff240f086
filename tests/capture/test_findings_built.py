"""Findings from built captures: hold and comfort noise, ACK timeout, session expiry, NAT, flood."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropwizard.capture import analyse_file

from .pcapbuild import LINK_RAW, call_messages, ipv4, rtp_run, sdp, sip, udp, write_pcap

T0 = 1_764_331_200.0
A, B = "198.51.100.1", "203.0.113.2"


def _sig(t: float, src: str, dst: str, msg: bytes) -> tuple[float, bytes]:
    return (t, ipv4(src, dst, 17, udp(5060, 5060, msg)))


def _media(t0: float, n: int, src: str, dst: str, sport: int, dport: int, ssrc: int, **kw):
    return [
        (t, ipv4(src, dst, 17, udp(sport, dport, x))) for t, x in rtp_run(t0, n, 1, 0, ssrc, **kw)
    ]


def _write(tmp_path: Path, pk: list) -> str:
    p = tmp_path / "f.pcap"
    write_pcap(str(p), LINK_RAW, sorted(pk, key=lambda x: x[0]))
    return str(p)


def _setup(m: dict[str, bytes], *, ack: bool = True) -> list:
    pk = [
        _sig(T0, A, B, m["invite"]),
        _sig(T0 + 0.3, B, A, m["ringing"]),
        _sig(T0 + 1, B, A, m["ok"]),
    ]
    if ack:
        pk.append(_sig(T0 + 1.01, A, B, m["ack"]))
    return pk


def test_hold_is_not_a_stop(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    pk = _setup(m)
    pk += _media(T0 + 1.1, 390, A, B, 40000, 50000, 1)
    pk += _media(T0 + 1.1, 100, B, A, 50000, 40000, 2)  # callee stops at 3.1 s: it was put on hold
    hold = sip("INVITE sip:2002@192.0.2.2 SIP/2.0", "2 INVITE", body=sdp(A, 40000, "sendonly"))
    ok = sip("SIP/2.0 200 OK", "2 INVITE", body=sdp(B, 50000, "recvonly"))
    pk += [_sig(T0 + 3.05, A, B, hold), _sig(T0 + 3.08, B, A, ok)]
    pk += [_sig(T0 + 9, A, B, m["bye"]), _sig(T0 + 9.01, B, A, m["bye_ok"])]
    r = analyse_file(_write(tmp_path, pk))
    c = r.calls[0]
    assert c["media"]["callee->caller"]["state"] == "held"
    assert c["media"]["callee->caller"]["stopped_before_end_s"] > 5
    assert c["verdict"] == {"stopped": False, "one_way": False, "both_stopped": False}
    assert [x["answered"] for x in c["refreshes"]] == [True]
    assert "rtp_timeout" not in r.facts["finding_ids"]


def test_comfort_noise_is_not_a_stop(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    pk = _setup(m)
    pk += _media(T0 + 1.1, 300, A, B, 40000, 50000, 1)
    pk += _media(T0 + 1.1, 100, B, A, 50000, 40000, 2)
    pk += _media(T0 + 3.1, 1, B, A, 50000, 40000, 2, pt=13)  # CN, then silence (VAD)
    pk += [_sig(T0 + 7.5, A, B, m["bye"])]
    c = analyse_file(_write(tmp_path, pk)).calls[0]
    assert c["media"]["callee->caller"]["state"] == "silence"
    st = next(s for s in c["streams"] if s["direction"] == "callee->caller")
    assert st["cn_packets"] == 1
    assert c["verdict"]["stopped"] is False


def test_stopped_media_with_bye_from_other_side_is_medium(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    pk = _setup(m)
    pk += _media(T0 + 1.1, 100, A, B, 40000, 50000, 1)  # caller->callee stops at 3.1 s
    pk += _media(T0 + 1.1, 400, B, A, 50000, 40000, 2)
    bye = sip("BYE sip:1001@192.0.2.1 SIP/2.0", "9 BYE", extra="Reason: q.850;cause=16")
    bye = (
        bye.replace(b"tag=a1", b"tag=XX")
        .replace(b"tag=b2", b"tag=a1")
        .replace(b"tag=XX", b"tag=b2")
    )
    pk += [_sig(T0 + 9.2, A, B, bye)]
    r = analyse_file(_write(tmp_path, pk))
    c = r.calls[0]
    assert c["bye"]["by"] == "callee" and c["bye"]["q850_cause"] == 16
    f = next(f for f in r.findings if f.id == "rtp_timeout")
    assert f.severity.value == "high"  # the callee lost media and hung up
    assert f.data["timeout_s"] == pytest.approx(6.1, abs=0.1)


def test_missing_ack_with_bye_after_32s_is_ack_timeout(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    pk = _setup(m, ack=False)
    for k in range(1, 8):  # the callee retransmits the 200 OK (T1 doubling up to T2)
        pk.append(_sig(T0 + 1 + min(0.5 * 2**k, 4) * k, B, A, m["ok"]))
    pk += _media(T0 + 1.1, 1500, A, B, 40000, 50000, 1)
    pk += _media(T0 + 1.1, 1500, B, A, 50000, 40000, 2)
    bye = sip("BYE sip:1001@192.0.2.1 SIP/2.0", "1 BYE", extra="Reason: SIP;cause=408")
    bye = (
        bye.replace(b"tag=a1", b"tag=XX")
        .replace(b"tag=b2", b"tag=a1")
        .replace(b"tag=XX", b"tag=b2")
    )
    pk.append(_sig(T0 + 33.0, B, A, bye))
    r = analyse_file(_write(tmp_path, pk))
    c = r.calls[0]
    assert c["ack"]["seen"] is False and c["ack"]["ok_retransmissions"] == 7
    f = next(f for f in r.findings if f.id == "ack_timeout")
    assert f.severity.value == "high" and f.data["bye_near_32s"] == 1
    assert f.data["ok_retransmissions"] == [7]
    assert "64*T1" in f.title and "Timer H" not in f.title  # Timer H is for non-2xx answers
    assert r.facts["missing_ack"] == 1


def test_bye_at_session_expiry_without_refresh(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    m["ok"] = m["ok"].replace(b"Session-Expires: 1800;refresher=uac", b"x: 90;refresher=uas")
    pk = _setup(m)
    # SE 90: the teardown point is 90 - min(32, 30) = 60 s after the answer
    pk += [_sig(T0 + 61.0, A, B, m["bye"])]
    r = analyse_file(_write(tmp_path, pk))
    c = r.calls[0]
    st = c["session_timer"]
    assert (st["session_expires_s"], st["refresher"], st["negotiated"]) == (90, "uas", True)
    assert st["teardown_at"] == "2025-11-28T12:01:01.000Z"
    f = next(f for f in r.findings if f.id == "session_timer_expiry")
    assert f.data["timer_s"] == 90


def test_private_sdp_behind_nat(tmp_path: Path) -> None:
    m = call_messages(("192.168.1.10", 40000), (B, 50000))
    pk = _setup(m)
    pk += _media(T0 + 1.1, 200, "203.0.113.77", B, 40000, 50000, 1)  # NATed source
    pk += [_sig(T0 + 6, A, B, m["bye"])]
    r = analyse_file(_write(tmp_path, pk))
    f = next(f for f in r.findings if f.id == "nat_keepalive_loss")
    assert r.calls[0]["call_id"] in f.data["call_ids"]
    assert "SDP names private 192.168.1.10:40000" in f.evidence[0]


def test_private_contact_behind_nat(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    m["invite"] = m["invite"].replace(
        b"CSeq: 1 INVITE\r\n", b"CSeq: 1 INVITE\r\nContact: <sip:1001@10.20.30.40:5060>\r\n"
    )
    pk = _setup(m)
    pk += _media(T0 + 1.1, 200, A, B, 40000, 50000, 1)
    pk += [_sig(T0 + 6, A, B, m["bye"])]
    r = analyse_file(_write(tmp_path, pk))
    f = next(f for f in r.findings if f.id == "nat_keepalive_loss")
    assert "Contact names private 10.20.30.40" in f.evidence[0]
    assert "callee->caller missing" in f.evidence[0]


def test_flood_and_scanner(tmp_path: Path) -> None:
    pk = []
    for i in range(1500):  # 300 REGISTER/s for 5 s from one address
        msg = sip(
            "REGISTER sip:192.0.2.2 SIP/2.0",
            "1 REGISTER",
            call_id=f"scan{i}",
            extra="User-Agent: friendly-scanner",
        )
        pk.append(_sig(T0 + i / 300, "192.0.2.99", B, msg))
    r = analyse_file(_write(tmp_path, pk))
    f = next(f for f in r.findings if f.id == "sip_flood")
    assert f.data["sources"] == ["192.0.2.99"] and f.data["scanners"] == ["friendly-scanner"]
    assert f.data["peak_pps"] >= 299
    assert r.facts["flood"] is True and r.calls == []
    assert r.summary["other_requests"] == {"REGISTER": 1500}


def test_quiet_capture_has_no_flood(tmp_path: Path) -> None:
    m = call_messages((A, 40000), (B, 50000))
    r = analyse_file(_write(tmp_path, _setup(m)))
    assert r.facts["flood"] is False and r.findings == []


def test_media_ports_reused_by_the_next_call(tmp_path: Path) -> None:
    pk = []
    for k, cid in enumerate(("first@x", "second@x")):
        m = call_messages((A, 40000), (B, 50000), call_id=cid)
        t0 = T0 + 20 * k
        pk += [
            _sig(t0, A, B, m["invite"]),
            _sig(t0 + 0.5, B, A, m["ok"]),
            _sig(t0 + 0.51, A, B, m["ack"]),
        ]
        # the same ports and even the same SSRC in both calls
        pk += [
            (t, ipv4(A, B, 17, udp(40000, 50000, x)))
            for t, x in rtp_run(t0 + 1, 100 + 50 * k, 1, 0, 7)
        ]
        pk += [
            (t, ipv4(B, A, 17, udp(50000, 40000, x)))
            for t, x in rtp_run(t0 + 1, 100 + 50 * k, 1, 0, 8)
        ]
        pk += [_sig(t0 + 3.5 + k, A, B, m["bye"])]
    r = analyse_file(_write(tmp_path, pk))
    counts = {c["call_id"]: sorted(s["packets"] for s in c["streams"]) for c in r.calls}
    assert counts == {"first@x": [100, 100], "second@x": [150, 150]}
    assert r.orphan_streams == []
    assert all(c["verdict"]["stopped"] is False for c in r.calls)
