"""rtp_flow, sip_capture and sip_flood with real tcpdump on lo and traffic this test sends to 127.0.0.1."""

from __future__ import annotations

import os
import socket
import stat
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support import require_binary

from dropwizard.evidence import Evidence
from dropwizard.gather import GatherContext, Registry
from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.gatherers import register
from dropwizard.probes.host import LocalHost, RecordedHost

from .conftest import FIXTURES, probe, require_root

pytestmark = pytest.mark.net


@pytest.fixture
def live() -> None:
    require_binary("tcpdump")
    require_root()


def udp_pair() -> tuple[socket.socket, socket.socket]:
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind(("127.0.0.1", 0))
    b.bind(("127.0.0.1", 0))
    return a, b


def adjacent_pair() -> tuple[socket.socket, socket.socket]:
    """Two sockets on neighbouring ports, so a portrange filter sees no other test's traffic."""
    for _ in range(50):
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            b.bind(("127.0.0.1", a.getsockname()[1] + 1))
        except OSError:
            a.close()
            b.close()
            continue
        return a, b
    pytest.fail("no two adjacent free UDP ports on 127.0.0.1")


def when_capturing(directory: Path, prefix: str, send: Callable[[], None]) -> threading.Thread:
    """Start `send` once tcpdump has opened its pcap under `directory`."""

    def run() -> None:
        deadline = time.monotonic() + 5
        while not list(directory.glob(f"*/{prefix}-*.pcap")):
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)
        time.sleep(0.1)
        send()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def rtp(seq: int, ssrc: int) -> bytes:
    return struct.pack(">BBHII", 0x80, 0, seq, seq * 160, ssrc) + b"\xd5" * 160


def test_rtp_one_way_then_stopped(live: None, tmp_path: Path) -> None:
    a, b = adjacent_pair()
    ports = sorted((a.getsockname()[1], b.getsockname()[1]))

    def send() -> None:
        for i in range(50):
            a.sendto(rtp(i, 0x1111), b.getsockname())
            time.sleep(0.01)

    cfg = ProbeConfig(capture_dir=str(tmp_path), rtp_stop_s=1.0)
    t = when_capturing(tmp_path, "rtp", send)
    ev = probe(
        "rtp_flow",
        config=cfg,
        endpoint="127.0.0.1",
        interface="lo",
        seconds=4,
        rtp_range=f"{ports[0]}-{ports[1]}",
    )
    t.join()
    a.close()
    b.close()
    assert ev.status.value == "fail", ev.summary
    assert ev.facts["packets_in"] == 50 and ev.facts["packets_out"] == 0
    assert ev.facts["one_way"] is True and ev.facts["stopped"] is True
    assert ev.facts["max_gap_s"] < 0.5
    assert ev.data["tcpdump_counters"]["captured"] == 50
    pcap = Path(ev.data["pcap"])
    assert stat.S_IMODE(pcap.stat().st_mode) == 0o600
    assert stat.S_IMODE(pcap.parent.stat().st_mode) == 0o700
    assert f"udp portrange {ports[0]}-{ports[1]}" in ev.data["command"]
    assert " -s 128 " in ev.data["command"]


def test_rtp_both_ways_flowing(live: None, tmp_path: Path) -> None:
    a, b = adjacent_pair()
    ports = sorted((a.getsockname()[1], b.getsockname()[1]))
    stop = threading.Event()

    def send() -> None:
        i = 0
        while not stop.is_set() and i < 400:
            a.sendto(rtp(i, 0xA), b.getsockname())
            b.sendto(rtp(i, 0xB), a.getsockname())
            i += 1
            time.sleep(0.02)

    t = when_capturing(tmp_path, "rtp", send)
    ev = probe(
        "rtp_flow",
        config=ProbeConfig(capture_dir=str(tmp_path), rtp_stop_s=1.0),
        endpoint="127.0.0.1",
        interface="lo",
        seconds=2.5,
        rtp_range=f"{ports[0]}-{ports[1]}",
    )
    stop.set()
    t.join()
    a.close()
    b.close()
    assert ev.status.value == "ok", ev.summary
    assert ev.facts["one_way"] is False and ev.facts["stopped"] is False
    assert ev.facts["packets_in"] > 20 and ev.facts["packets_out"] > 20
    assert abs(ev.facts["packets_in"] - ev.facts["packets_out"]) <= 2


def _sip(lines: list[str], body: str = "") -> bytes:
    return ("\r\n".join([*lines, f"Content-Length: {len(body)}"]) + "\r\n\r\n" + body).encode()


def test_sip_capture_finds_unanswered_refresh_missing_ack_and_bye_reason(
    live: None, tmp_path: Path
) -> None:
    ua, sw = udp_pair()
    pa, pb = ua.getsockname()[1], sw.getsockname()[1]
    A, B = f"127.0.0.1:{pa}", f"127.0.0.1:{pb}"

    def hdrs(method_line: str, cid: str, cseq: str, branch: str, to_tag: str = "") -> list[str]:
        return [
            method_line,
            f"Via: SIP/2.0/UDP {A};branch=z9hG4bK{branch}",
            f"From: <sip:100@{A}>;tag=a1",
            f"To: <sip:200@{B}>" + (f";tag={to_tag}" if to_tag else ""),
            f"Call-ID: {cid}",
            f"CSeq: {cseq}",
            f"Contact: <sip:100@{A}>",
            "Max-Forwards: 70",
        ]

    def send() -> None:
        # call 1: answered, never ACKed
        ua.sendto(
            _sip(hdrs(f"INVITE sip:200@{B} SIP/2.0", "c1", "1 INVITE", "c1i")), sw.getsockname()
        )
        sw.sendto(
            _sip(
                [
                    "SIP/2.0 200 OK",
                    *hdrs("", "c1", "1 INVITE", "c1i", "b1")[1:],
                    "Session-Expires: 90;refresher=uac",
                ]
            ),
            ua.getsockname(),
        )
        # call 2: answered, ACKed, re-INVITE unanswered, BYE with a Reason
        ua.sendto(
            _sip(hdrs(f"INVITE sip:200@{B} SIP/2.0", "c2", "1 INVITE", "c2i")), sw.getsockname()
        )
        sw.sendto(
            _sip(["SIP/2.0 200 OK", *hdrs("", "c2", "1 INVITE", "c2i", "b2")[1:]]), ua.getsockname()
        )
        ua.sendto(
            _sip(hdrs(f"ACK sip:200@{B} SIP/2.0", "c2", "1 ACK", "c2a", "b2")), sw.getsockname()
        )
        ua.sendto(
            _sip(
                [
                    *hdrs(f"INVITE sip:200@{B} SIP/2.0", "c2", "2 INVITE", "c2r", "b2"),
                    "Session-Expires: 90",
                ]
            ),
            sw.getsockname(),
        )
        for n in range(3):
            ua.sendto(
                _sip(hdrs(f"OPTIONS sip:{B} SIP/2.0", f"o{n}", "1 OPTIONS", f"o{n}")),
                sw.getsockname(),
            )
        time.sleep(2.3)
        bye = [
            f"BYE sip:100@{A} SIP/2.0",
            f"Via: SIP/2.0/UDP {B};branch=z9hG4bKc2b",
            f"From: <sip:200@{B}>;tag=b2",
            f"To: <sip:100@{A}>;tag=a1",
            "Call-ID: c2",
            "CSeq: 5 BYE",
            'Reason: Q.850;cause=102;text="RTP timeout"',
        ]
        sw.sendto(_sip(bye), ua.getsockname())

    t = when_capturing(tmp_path, "sip", send)
    ev = probe(
        "sip_capture",
        config=ProbeConfig(capture_dir=str(tmp_path), sip_ports=[pa, pb]),
        interface="lo",
        seconds=3.5,
    )
    t.join()
    ua.close()
    sw.close()
    assert ev.status.value == "fail", ev.summary
    assert ev.facts["refreshes"] == 1 and ev.facts["refresh_unanswered"] == 1
    assert ev.facts["missing_ack"] == 1
    assert len(ev.facts["bye_reasons"]) == 1 and "102" in ev.facts["bye_reasons"][0]
    assert ev.data["calls"] == 2 and ev.data["options"][0]["sent"] == 3
    assert ev.data["filter"] == f"(udp or tcp) and (port {pa} or port {pb})"
    again = session_capture_run("probe.sip_capture", ev.data["pcap"])
    assert again.facts == ev.facts and again.data["given"] is True


def session_capture_run(name: str, pcap: str) -> Evidence:
    """A gatherer run in a session that names a capture file: the probe analyses that file."""
    reg = Registry()
    register(reg)
    return reg.run(name, GatherContext(host=LocalHost(), capture_path=pcap))


def test_sip_flood_sees_a_scanner(live: None, tmp_path: Path) -> None:
    s, target = udp_pair()
    dst = target.getsockname()

    def send() -> None:
        for n in range(300):
            msg = _sip(
                [
                    f"OPTIONS sip:100@127.0.0.1:{dst[1]} SIP/2.0",
                    f"Via: SIP/2.0/UDP 127.0.0.1:{s.getsockname()[1]};branch=z9hG4bK{n}",
                    "From: <sip:100@1.1.1.1>;tag=x",
                    f"To: <sip:100@127.0.0.1:{dst[1]}>",
                    f"Call-ID: scan{n}",
                    "CSeq: 1 OPTIONS",
                    "User-Agent: friendly-scanner",
                ]
            )
            s.sendto(msg, dst)
            if n % 20 == 0:
                time.sleep(0.05)

    t = when_capturing(tmp_path, "flood", send)
    ev = probe(
        "sip_flood",
        config=ProbeConfig(capture_dir=str(tmp_path), flood_pps=50, sip_ports=[dst[1]]),
        interface="lo",
        seconds=2.5,
    )
    t.join()
    s.close()
    target.close()
    assert ev.status.value == "fail", ev.summary
    assert ev.facts["flood"] is True and ev.facts["scanners"] == 1
    assert ev.facts["top_source"] == "127.0.0.1"
    assert ev.facts["pps"] >= 50
    assert ev.data["sip_packets"] == 300
    assert ev.data["pcap"] is None and not list(tmp_path.glob("*/flood-*.pcap"))


def test_sip_flood_quiet(live: None, tmp_path: Path) -> None:
    s, target = udp_pair()
    ev = probe(
        "sip_flood",
        config=ProbeConfig(capture_dir=str(tmp_path), sip_ports=[target.getsockname()[1]]),
        interface="lo",
        seconds=1,
    )
    s.close()
    target.close()
    assert ev.status.value == "ok"
    assert ev.facts == {"pps": 0.0, "flood": False, "scanners": 0}


def test_missing_tcpdump_or_root_is_skipped_with_what_is_needed() -> None:
    ev = probe("rtp_flow", RecordedHost(FIXTURES / "recorded_nft"), endpoint="192.0.2.10")
    assert ev.status.value == "skipped"
    assert ev.summary == "tcpdump not installed: apt-get install tcpdump / yum install tcpdump"
    ev = probe("sip_capture", RecordedHost(FIXTURES / "recorded_nonroot"))
    assert ev.status.value == "skipped" and ev.summary.startswith("needs root: run with sudo")
    empty_path = {"PATH": "/nonexistent"}
    old = os.environ.get("PATH", "")
    os.environ.update(empty_path)
    try:
        missing = LocalHost().which("tcpdump") is None
        ev = probe("sip_flood", LocalHost())
    finally:
        os.environ["PATH"] = old
    if missing:
        assert ev.status.value == "skipped" and "tcpdump" in ev.summary


def test_bad_values_are_errors_before_any_capture() -> None:
    ev = probe("rtp_flow", endpoint="10.0.0.300")
    assert ev.status.value == "error" and "invalid endpoint address" in ev.summary
    ev = probe("rtp_flow", endpoint="127.0.0.1", interface="eth0;reboot")
    assert ev.status.value == "error" and "invalid interface" in ev.summary
    ev = probe("rtp_flow", endpoint="127.0.0.1", interface="nosuchif0")
    assert ev.status.value == "error" and "no interface 'nosuchif0'" in ev.summary
    ev = probe("sip_flood", seconds=-1)
    assert ev.status.value == "error" and "--seconds" in ev.summary
