"""sip_options against real SIP peers on 127.0.0.1: sipp answering 200 or 503, silence, a late answer."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import require_binary

from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.sip_options import build_options, parse_message, ping

from .conftest import FIXTURES, free_udp_port, options_against, probe

pytestmark = pytest.mark.net
SIPP = FIXTURES / "sipp"


def _port_bound(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@contextmanager
def sipp_uas(scenario: str, calls: int, tmp_path: Path) -> Iterator[int]:
    """sipp on 127.0.0.1 answering `calls` OPTIONS with the given scenario; yields its port."""
    binary = require_binary("sipp")
    port = free_udp_port()
    proc = subprocess.Popen(
        [
            binary,
            "-sf",
            str(SIPP / scenario),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(calls),
            "-nostdin",
        ],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 5
        while not _port_bound(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                pytest.fail(f"sipp did not start: {err[-500:]}")
            time.sleep(0.05)
        yield port
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sipp_answers_200(tmp_path: Path) -> None:
    with sipp_uas("options_200.xml", 1, tmp_path) as port:
        ev = probe("sip_options", target=f"127.0.0.1:{port}")
    assert ev.status.value == "ok", ev.summary
    assert ev.facts["answered"] is True and ev.facts["status_code"] == 200
    assert ev.facts["timeouts"] == 0
    assert 0 < ev.facts["rtt_ms"] < 2000
    assert ev.summary.startswith(f"200 OK from 127.0.0.1:{port}")
    req = ev.raw.split("\r\n")
    assert req[0] == f"OPTIONS sip:127.0.0.1:{port} SIP/2.0"
    assert req[1].startswith("Via: SIP/2.0/UDP 127.0.0.1:") and ";branch=z9hG4bK" in req[1]
    assert "Max-Forwards: 70" in req and "CSeq: 1 OPTIONS" in req and "Content-Length: 0" in req
    assert any(h.startswith("From: <sip:dropwizard@127.0.0.1>;tag=") for h in req)
    assert any(h.startswith("Call-ID: ") for h in req) and any(
        h.startswith("Contact: <sip:") for h in req
    )


def test_sipp_answers_503(tmp_path: Path) -> None:
    with sipp_uas("options_503.xml", 1, tmp_path) as port:
        ev = probe("sip_options", target=f"127.0.0.1:{port}")
    assert ev.status.value == "fail"
    assert ev.facts["answered"] is True and ev.facts["status_code"] == 503
    assert "503 Service Unavailable" in ev.summary


def test_nobody_answers_three_attempts_at_the_interval() -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    t0 = time.monotonic()
    try:
        ev = probe(
            "sip_options", target=f"127.0.0.1:{port}", config=ProbeConfig(sip_options_interval=0.2)
        )
    finally:
        silent.close()
    elapsed = time.monotonic() - t0
    assert ev.status.value == "fail"
    assert ev.facts == {"answered": False, "timeouts": 3}
    assert [a["n"] for a in ev.data["attempts"]] == [1, 2, 3]
    assert 0.55 <= elapsed < 2.0


def _responder(sock: socket.socket, answer_from: int, status: str, stop: threading.Event) -> None:
    """Answer OPTIONS from the `answer_from`-th request on, echoing the transaction headers."""
    seen = 0
    sock.settimeout(0.1)
    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(65535)
        except TimeoutError:
            continue
        seen += 1
        if seen < answer_from:
            continue
        msg = parse_message(data)
        assert msg is not None and msg.method == "OPTIONS"
        head = [f"SIP/2.0 {status}"]
        for name in ("via", "from", "to", "call-id", "cseq"):
            head.append(f"{name}: {msg.header(name)}")
        sock.sendto(
            ("\r\n".join([*head, "Trying: folded", "  header", "l: 0"]) + "\r\n\r\n").encode(), addr
        )


def test_late_answer_counts_the_timeouts_before_it() -> None:
    ev = options_against(lambda sock, stop: _responder(sock, 2, "200 OK", stop))
    assert ev.status.value == "warn"
    assert ev.facts["answered"] is True and ev.facts["timeouts"] == 1
    assert ev.data["attempts"][1]["status"] == 200


def test_unrelated_datagrams_are_ignored() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    def noise() -> None:
        sock.settimeout(2)
        _data, addr = sock.recvfrom(65535)
        sock.sendto(b"\x80\x00garbage", addr)
        sock.sendto(b"SIP/2.0 200 OK\r\nCall-ID: other\r\nCSeq: 1 OPTIONS\r\n\r\n", addr)

    t = threading.Thread(target=noise, daemon=True)
    t.start()
    tries, _log = ping("127.0.0.1", port, attempts=1, interval=0.4)
    t.join()
    sock.close()
    assert tries[0].status is None


@given(st.binary(max_size=300))
def test_parser_never_raises(data: bytes) -> None:
    msg = parse_message(data)
    assert msg is None or msg.status is not None or msg.method is not None


@given(
    st.integers(100, 699),
    st.from_regex(r"[A-Za-z ]{0,20}", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9]{1,20}", fullmatch=True),
)
def test_parser_reads_any_status_line(code: int, reason: str, branch: str) -> None:
    text = (
        f"SIP/2.0 {code} {reason}\r\nv: SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK{branch}\r\n"
        f"i: abc@h\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
    msg = parse_message(text.encode())
    assert msg is not None
    assert msg.status == code and msg.reason == reason.strip()
    assert msg.branch == f"z9hG4bK{branch}"
    assert msg.header("call-id") == "abc@h" and msg.cseq == (7, "OPTIONS")


def test_request_round_trip() -> None:
    raw = build_options(
        "2001:db8::5", 5062, "2001:db8::1", 40000, branch="z9hG4bKx", tag="t", call_id="c@h", cseq=2
    )
    msg = parse_message(raw)
    assert msg is not None and msg.method == "OPTIONS" and msg.uri == "sip:[2001:db8::5]:5062"
    assert msg.branch == "z9hG4bKx" and msg.header("max-forwards") == "70"
    assert raw.endswith(b"Content-Length: 0\r\n\r\n")


def test_invalid_target_is_an_error_record() -> None:
    ev = probe("sip_options", target="999.1.2.3:5060")
    assert ev.status.value == "error" and "invalid host" in ev.summary
    assert probe("sip_options").status.value == "skipped"


def test_unresolvable_host_is_an_error_record() -> None:
    ev = probe("sip_options", target="no-such-host.invalid:5060")
    assert ev.status.value == "error"
    assert ev.summary.startswith("cannot resolve target 'no-such-host.invalid'")
