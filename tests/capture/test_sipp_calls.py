"""Captures recorded on loopback with real sipp peers and tcpdump, then analysed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import require_binary

from dropwizard.capture import analyse_file

from .loopback import RtpPeer, finish, free_port, recording, sipp
from .tshark import compare, rtp_streams

pytestmark = pytest.mark.net


@pytest.fixture(scope="module")
def bins() -> dict[str, str]:
    return {"sipp": require_binary("sipp"), "tcpdump": require_binary("tcpdump")}


def _call(
    bins: dict[str, str],
    out: Path,
    *,
    reason: str,
    talk_ms: int,
    caller_stop: float | None = None,
    callee_stop: float | None = None,
    scenario: str = "uac_call.xml",
    se: int = 90,
    interface: str = "lo",
) -> tuple[int, int, int, int]:
    """One call with RTP both ways; returns (uac rc, uas rc, packets sent each way)."""
    uas_p, uac_p = free_port(), free_port()
    m_caller, m_callee = free_port(), free_port()
    media = talk_ms / 1000.0 - 0.2
    ports = [uas_p, uac_p, m_caller, m_caller + 1, m_callee, m_callee + 1]
    with recording(out, bins["tcpdump"], ports, interface):
        uas = sipp(
            bins["sipp"], "uas_call.xml", uas_p, keys={"mport": str(m_callee), "se": str(se)}
        )
        time.sleep(0.2)
        uac = sipp(
            bins["sipp"],
            scenario,
            uac_p,
            remote=uas_p,
            keys={"mport": str(m_caller), "se": str(se), "reason": reason},
            extra=["-d", str(talk_ms)],
        )
        time.sleep(0.4)
        a = RtpPeer(m_caller, m_callee, media, stop_at=caller_stop, ssrc=0xA11CE).start()
        b = RtpPeer(m_callee, m_caller, media, stop_at=callee_stop, ssrc=0xB0B).start()
        a.join()
        b.join()
        rc_uac, rc_uas = finish(uac), finish(uas)
    return rc_uac, rc_uas, a.sent, b.sent


@pytest.fixture(scope="module")
def normal_call(bins: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("cap") / "normal.pcap"
    rcs = _call(bins, out, reason='Q.850;cause=16;text="Normal call clearing"', talk_ms=2500)
    return out, rcs


@pytest.fixture(scope="module")
def one_way_call(bins: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("cap") / "oneway.pcap"
    # recorded like `tcpdump -i any`: Linux cooked headers instead of Ethernet
    rcs = _call(bins, out, reason="Q.850;cause=102", talk_ms=4500, callee_stop=1.0, interface="any")
    return out, rcs


def test_normal_call_dialog_and_streams(normal_call) -> None:
    path, (rc_uac, rc_uas, sent_a, sent_b) = normal_call
    assert (rc_uac, rc_uas) == (0, 0)
    r = analyse_file(str(path))
    assert len(r.calls) == 1
    c = r.calls[0]
    assert c["final_status"] == 200
    assert c["from"].startswith("1001@127.0.0.1")
    assert 40 <= c["pdd_ms"] < 1000  # the callee rings after a 50 ms pause
    assert c["ack"]["seen"] and c["ack"]["ok_retransmissions"] == 0
    assert c["bye"]["by"] == "caller"
    assert c["bye"]["q850_cause"] == 16 and c["bye"]["status"] == 200
    assert c["session_timer"]["session_expires_s"] == 90
    assert c["session_timer"]["refresher"] == "uac"
    assert c["session_timer"]["timer_supported"] == {"caller": True, "callee": True}
    assert c["user_agents"] == {"caller": "dw-test-caller", "callee": "dw-test-callee"}
    by_dir = {s["direction"]: s for s in c["streams"]}
    assert by_dir["caller->callee"]["packets"] == sent_a
    assert by_dir["callee->caller"]["packets"] == sent_b
    for s in c["streams"]:
        assert s["lost"] == 0 and s["duplicates"] == 0
        assert s["max_gap_s"] < 0.5
        assert s["stopped_before_end_s"] < 1.0
    assert c["verdict"] == {"stopped": False, "one_way": False, "both_stopped": False}
    assert not [f for f in r.findings if f.severity.value in ("high", "medium")]
    assert r.facts["calls"] == 1 and r.facts["rtp_stopped_calls"] == 0
    assert r.facts["top_final_status"] == 200
    labels = [e["msg"] for e in c["timeline"]]
    assert labels[:5] == ["INVITE SDP", "100 Trying", "180 Ringing", "200 OK SDP", "ACK"]
    assert labels[-2:] == ["BYE", "200 OK (BYE)"]


def test_one_way_audio_then_bye_102_is_rtp_timeout(one_way_call) -> None:
    path, (rc_uac, rc_uas, _a, sent_b) = one_way_call
    assert (rc_uac, rc_uas) == (0, 0)
    r = analyse_file(str(path))
    assert r.summary["link_types"][0].startswith("Linux cooked")
    c = r.calls[0]
    assert c["bye"]["q850_cause"] == 102 and c["bye"]["by"] == "caller"
    m = c["media"]
    assert m["callee->caller"]["state"] == "stopped"
    assert m["callee->caller"]["packets"] == sent_b
    assert m["callee->caller"]["stopped_before_end_s"] > 2.5
    assert m["caller->callee"]["state"] == "ok"
    assert c["verdict"]["one_way"] and not c["verdict"]["both_stopped"]
    f = next(f for f in r.findings if f.id == "rtp_timeout")
    assert f.severity.value == "high" and f.side == "caller"
    assert c["call_id"] in f.data["call_ids"] and f.data["causes"] == {"102": 1}
    assert 2.5 < f.data["timeout_s"] < 4.5
    assert any(c["call_id"] in e for e in f.evidence)
    assert r.facts["rtp_stopped_calls"] == 1 and r.facts["one_way_calls"] == 1
    assert "rtp_timeout" in r.facts["finding_ids"]


def test_unanswered_refresh_then_bye_is_session_timer_expiry(
    bins: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "refresh.pcap"
    # SE 6 s: the refresher re-INVITEs at 1.5 s, gets nothing, and the BYE comes at 4 s,
    # which is SE - min(32, SE/3) = 4 s after the answer
    rc_uac, _rc_uas, _a, _b = _call(
        bins, out, reason="unused", talk_ms=4200, scenario="uac_refresh.xml", se=6
    )
    assert rc_uac == 0
    r = analyse_file(str(out))
    c = r.calls[0]
    assert [(x["method"], x["by"], x["answered"]) for x in c["refreshes"]] == [
        ("INVITE", "caller", False)
    ]
    assert 1.4 < c["refreshes"][0]["after_s"] < 2.5
    assert c["session_timer"]["session_expires_s"] == 6
    assert c["bye"]["reasons"] == [
        {"protocol": "SIP", "cause": 408, "text": "Session timer expired"}
    ]
    f = next(f for f in r.findings if f.id == "session_timer_expiry")
    assert f.data["timer_s"] == 6 and c["call_id"] in f.data["call_ids"]
    assert f.confidence >= 0.9  # unanswered refresh and BYE at the RFC 4028 teardown point
    assert r.facts["refresh_unanswered"] == 1


def test_rejections_and_cancel(bins: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "reject.pcap"
    codes = (503, 486, 480, 408, 503, 487)
    pairs = [(free_port(), free_port()) for _ in codes]
    with recording(out, bins["tcpdump"], [p for pair in pairs for p in pair]):
        for code, (uas_p, uac_p) in zip(codes, pairs, strict=True):
            uas_xml, uac_xml = (
                ("uas_cancel.xml", "uac_cancel.xml")
                if code == 487
                else (f"uas_reject_{code}.xml", "uac_reject.xml")
            )
            uas = sipp(bins["sipp"], uas_xml, uas_p)
            time.sleep(0.15)
            uac = sipp(bins["sipp"], uac_xml, uac_p, remote=uas_p)
            assert finish(uac) == 0
            assert finish(uas) == 0
    r = analyse_file(str(out))
    finals = sorted(c["final_status"] for c in r.calls)
    assert finals == [408, 480, 486, 487, 503, 503]
    busy = next(c for c in r.calls if c["final_status"] == 486)
    assert busy["final_reason"] == 'Q.850;cause=34;text="no circuit"'
    cancelled = next(c for c in r.calls if c["final_status"] == 487)
    assert cancelled["cancel"]["by"] == "caller"
    assert cancelled["cancel"]["reasons"][0]["protocol"] == "Q.850"
    assert cancelled["cancel"]["q850_cause"] == 16
    f = next(f for f in r.findings if f.id == "provider_rejection")
    assert f.data["statuses"] == {"408": 1, "480": 1, "486": 1, "487": 1, "503": 2}
    assert f.data["top_status"] == 503
    assert f.severity.value == "medium" and f.calls == 6
    assert r.facts["top_final_status"] == 503
    for c in r.calls:
        assert c["pdd_ms"] is not None and c["pdd_ms"] < 1000


def test_options_answered_then_unanswered(bins: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "options.pcap"
    uas_p, uac_p = free_port(), free_port()
    with recording(out, bins["tcpdump"], [uas_p, uac_p]):
        uas = sipp(bins["sipp"], "uas_options.xml", uas_p, calls=3)
        time.sleep(0.2)
        uac = sipp(
            bins["sipp"],
            "uac_options.xml",
            uac_p,
            remote=uas_p,
            calls=8,
            extra=["-r", "10", "-l", "1"],
        )
        assert finish(uas) == 0
        finish(uac)
    r = analyse_file(str(out))
    assert len(r.options) == 1
    o = r.options[0]
    assert o["target"] == f"127.0.0.1:{uas_p}"
    assert o["sent"] == 8 and o["answered"] == 3
    # the last OPTIONS is pending: no later one was sent and Timer F has not run out
    assert (o["unanswered"], o["pending_at_end"]) == (4, 1)
    assert o["longest_unanswered_streak"] == 4
    assert o["rtt_ms"]["max"] < 300
    assert r.facts["options_unanswered_streak"] == 4
    f = next(f for f in r.findings if f.id == "nat_keepalive_loss")
    assert f.data["longest_unanswered_streak"] == 4
    assert r.calls == []


def test_sipp_streams_match_tshark(normal_call, one_way_call) -> None:
    tshark = require_binary("tshark")
    for path, _rcs in (normal_call, one_way_call):
        r = analyse_file(str(path))
        assert compare(r.streams, rtp_streams(tshark, str(path))) == 2


def test_command_on_a_recorded_call(one_way_call) -> None:
    path, _rcs = one_way_call
    proc = subprocess.run(
        [sys.executable, "-m", "dropwizard", "capture", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout)
    (call,) = data["calls"]
    for key in (
        "call_id",
        "from",
        "to",
        "setup",
        "final_status",
        "pdd_ms",
        "bye",
        "refreshes",
        "streams",
    ):
        assert key in call
    assert set(call["bye"]) >= {"by", "reason"} and call["bye"]["reason"] == "Q.850;cause=102"
    for s in call["streams"]:
        assert set(s) >= {
            "src",
            "dst",
            "ssrc",
            "packets",
            "lost",
            "jitter_ms",
            "max_gap_s",
            "stopped_before_end_s",
        }
    assert data["findings"][0]["id"] == "rtp_timeout"
    assert isinstance(data["options"], list)
    text = subprocess.run(
        [sys.executable, "-m", "dropwizard", "capture", str(path), "--call", call["call_id"]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "INVITE SDP" in text and "BYE" in text and "rtp_timeout" in text
    assert "stopped" in text
