"""The `capture.analysis` gatherer and its facts (docs/facts.md), and the command's options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropwizard.cli import main
from dropwizard.evidence import Status
from dropwizard.gather import GatherContext, default_registry

from .pcapbuild import LINK_ETH, call_messages, ipv4, link, rtp_run, udp, write_pcap

T0 = 1_764_331_200.0
A, B = "192.0.2.1", "192.0.2.2"
FACTS = {
    "calls",
    "rtp_stopped_calls",
    "one_way_calls",
    "both_stopped_calls",
    "refresh_unanswered",
    "missing_ack",
    "options_unanswered_streak",
    "top_final_status",
    "flood",
    "finding_ids",
}


def _capture(tmp_path: Path, *, stop_callee_at: int = 400) -> str:
    m = call_messages((A, 40000), (B, 50000))
    pk = [
        (T0, ipv4(A, B, 17, udp(5060, 5060, m["invite"]))),
        (T0 + 0.3, ipv4(B, A, 17, udp(5060, 5060, m["ok"]))),
        (T0 + 0.31, ipv4(A, B, 17, udp(5060, 5060, m["ack"]))),
    ]
    pk += [(t, ipv4(A, B, 17, udp(40000, 50000, x))) for t, x in rtp_run(T0 + 0.4, 400, 1, 0, 1)]
    pk += [
        (t, ipv4(B, A, 17, udp(50000, 40000, x)))
        for t, x in rtp_run(T0 + 0.4, stop_callee_at, 1, 0, 2)
    ]
    # RTCP on the odd ports, both ways, every 5 s
    rr = bytes([0x80, 201, 0, 1]) + b"\x00" * 4
    for k in range(2):
        pk.append((T0 + 1 + 5 * k, ipv4(A, B, 17, udp(40001, 50001, rr))))
        pk.append((T0 + 1.1 + 5 * k, ipv4(B, A, 17, udp(50001, 40001, rr))))
    opt = (
        b"OPTIONS sip:x@192.0.2.2 SIP/2.0\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\n"
        b"From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nContent-Length: 0\r\n\r\n"
    )
    pk.append((T0 + 2, ipv4(A, B, 17, udp(5060, 5060, opt))))
    pk.append((T0 + 8.5, ipv4(A, B, 17, udp(5060, 5060, m["bye"]))))
    p = tmp_path / "g.pcap"
    write_pcap(
        str(p), LINK_ETH, [(t, link(LINK_ETH, f)) for t, f in sorted(pk, key=lambda x: x[0])]
    )
    return str(p)


def test_gatherer_facts_are_the_documented_ones(tmp_path: Path) -> None:
    reg = default_registry(("dropwizard.capture.gatherers",))
    ev = reg.run(
        "capture.analysis", GatherContext(capture_path=_capture(tmp_path, stop_callee_at=100))
    )
    assert ev.status is Status.FAIL  # a high-severity finding
    assert set(ev.facts) == FACTS
    assert ev.facts["calls"] == 1 and ev.facts["one_way_calls"] == 1
    assert ev.facts["rtp_stopped_calls"] == 1 and ev.facts["both_stopped_calls"] == 0
    assert ev.facts["finding_ids"] == ["rtp_timeout"]
    assert ev.facts["options_unanswered_streak"] == 0  # one OPTIONS, still pending at the end
    assert ev.data["findings"][0]["id"] == "rtp_timeout"
    assert ev.data["summary"]["rtcp_packets"] == 4
    assert ev.data["calls"][0]["rtcp_packets"] == 4


def test_gatherer_without_capture_or_with_a_bad_one(tmp_path: Path) -> None:
    reg = default_registry(("dropwizard.capture.gatherers",))
    assert reg.run("capture.analysis", GatherContext()).status is Status.SKIPPED
    bad = tmp_path / "bad.pcap"
    bad.write_text("nope")
    ev = reg.run("capture.analysis", GatherContext(capture_path=str(bad)))
    assert ev.status is Status.ERROR and "not a pcap" in ev.summary


def test_healthy_capture_is_ok(tmp_path: Path) -> None:
    reg = default_registry(("dropwizard.capture.gatherers",))
    ev = reg.run("capture.analysis", GatherContext(capture_path=_capture(tmp_path)))
    assert ev.status is Status.OK and ev.facts["finding_ids"] == []
    assert "options_unanswered_streak" in ev.facts and "rtp_stopped_calls" in ev.facts


def test_command_json_call_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _capture(tmp_path, stop_callee_at=100)
    assert main(["capture", path, "--format", "json", "--call", "call-1@test"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["call_id"] for c in data["calls"]] == ["call-1@test"]
    assert [f["id"] for f in data["findings"]] == ["rtp_timeout"]
    assert main(["capture", path, "--call", "other"]) == 2
    assert "no call with Call-ID 'other'" in capsys.readouterr().err


def test_command_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _capture(tmp_path, stop_callee_at=100)
    assert main(["capture", path]) == 0
    out = capsys.readouterr().out
    assert "Calls (1)" in out and "RTP streams (2)" in out and "OPTIONS keepalives" in out
    assert "[high] rtp_timeout" in out and "INVITE SDP" in out
    assert "192.0.2.1:5060" in out  # the ladder's address columns
