"""Calls sharing one media address: RTP is tied to the call whose SDPs name both ends."""

from __future__ import annotations

from pathlib import Path

from support import require_binary

from dropwizard.capture import analyse_file

from .pcapbuild import LINK_ETH, call_messages, ipv4, link, rtp, rtp_run, sip, udp, write_pcap
from .tshark import compare, rtp_streams

T0 = 1_764_331_200.0
A, B = "127.0.0.1", "127.0.0.2"
SSRC_OUT, SSRC_BACK = 0xDEE0EE8F, 0x0E05384E
TALK = 300


def overlapping(calls: int, *, start_every: float, talk: int = TALK) -> list[tuple[float, bytes]]:
    """`calls` calls from A:40000+2i to the single media port B:16000, each SSRC the same."""
    out: list[tuple[float, bytes]] = []
    for i in range(calls):
        t0 = T0 + i * start_every
        port = 40000 + 2 * i
        m = call_messages((A, port), (B, 16000), call_id=f"{i + 1}-shared@test")
        for name, s, d, dt in (
            ("invite", A, B, 0.0),
            ("ok", B, A, 0.1),
            ("ack", A, B, 0.11),
            ("bye", A, B, 0.2 + talk * 0.02 + 0.05),
            ("bye_ok", B, A, 0.2 + talk * 0.02 + 0.06),
        ):
            out.append((t0 + dt, ipv4(s, d, 17, udp(5060, 5060, m[name]))))
        for t, p in rtp_run(t0 + 0.2, talk, 1000, 0, SSRC_OUT):
            out.append((t, ipv4(A, B, 17, udp(port, 16000, p))))
        for t, p in rtp_run(t0 + 0.2013, talk, 5000, 0, SSRC_BACK):
            out.append((t, ipv4(B, A, 17, udp(16000, port, p))))
    out.sort(key=lambda x: x[0])
    return out


def write(tmp_path: Path, pk: list[tuple[float, bytes]]) -> str:
    p = tmp_path / "shared.pcap"
    write_pcap(str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in pk])
    return str(p)


def test_overlapping_calls_sharing_callee_media_keep_their_streams(tmp_path: Path) -> None:
    p = write(tmp_path, overlapping(3, start_every=1.0))
    r = analyse_file(p)
    assert len(r.calls) == 3 and r.orphan_streams == []
    assert len(r.streams) == 6
    for i, c in enumerate(r.calls):
        port = 40000 + 2 * i
        dirs = {s["direction"]: s for s in c["streams"]}
        assert len(c["streams"]) == 2, c["call_id"]
        assert dirs["caller->callee"]["src"] == f"{A}:{port}"
        assert dirs["callee->caller"]["dst"] == f"{A}:{port}"
        assert all(s["packets"] == TALK and s["lost"] == 0 for s in c["streams"])
        assert c["verdict"]["stopped"] is False
        assert c["findings"] == []
    assert not [f for f in r.findings if f["id"] == "rtp_timeout"]


def test_overlapping_calls_match_tshark(tmp_path: Path) -> None:
    tshark = require_binary("tshark")
    p = write(tmp_path, overlapping(3, start_every=0.7))
    r = analyse_file(p)
    theirs = rtp_streams(tshark, p)
    assert len(theirs) == len(r.streams) == 6
    assert compare(r.streams, theirs) == 6


def test_same_pair_reused_by_a_later_call_starts_new_streams(tmp_path: Path) -> None:
    pk = overlapping(1, start_every=0.0)
    later = [
        (t + 10.0, f.replace(b"1-shared@test", b"9-shared@test"))
        for t, f in overlapping(1, start_every=0.0)
    ]
    r = analyse_file(write(tmp_path, pk + later))
    assert [c["call_id"] for c in r.calls] == ["1-shared@test", "9-shared@test"]
    for c in r.calls:
        assert len(c["streams"]) == 2
        assert all(s["packets"] == TALK for s in c["streams"])
        assert c["findings"] == []


def test_telephone_event_stream_has_no_jitter_like_tshark(tmp_path: Path) -> None:
    tshark = require_binary("tshark")

    def body(addr: str, port: int) -> str:
        return (
            f"v=0\r\no=- 1 1 IN IP4 {addr}\r\ns=-\r\nc=IN IP4 {addr}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
        )

    inv = sip("INVITE sip:2002@b SIP/2.0", "1 INVITE", to_tag=False, body=body(A, 40000))
    ok = sip("SIP/2.0 200 OK", "1 INVITE", body=body(B, 16000))
    pk = [
        (T0, ipv4(A, B, 17, udp(5060, 5060, inv))),
        (T0 + 0.1, ipv4(B, A, 17, udp(5060, 5060, ok))),
    ]
    # one RFC 4733 event: ten packets 20 ms apart (arrival wobbling), all with one timestamp
    for i in range(10):
        at = T0 + 1 + i * 0.02 + (0.003 if i % 2 else 0)
        pk.append((at, ipv4(A, B, 17, udp(40000, 16000, rtp(i + 1, 8000, SSRC_BACK, pt=101)))))
    p = write(tmp_path, pk)
    r = analyse_file(p)
    (st,) = r.streams
    assert st["packets"] == 10 and st["jitter_ms"] == 0.0 and st["mean_jitter_ms"] == 0.0
    assert compare(r.streams, rtp_streams(tshark, p)) == 1
