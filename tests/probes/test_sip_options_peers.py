"""sip_options against a closed loopback port and a peer that answers slowly."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from dropwizard.probes.sip_options import parse_message, ping

from .conftest import free_udp_port, options_against, probe

pytestmark = pytest.mark.net


def test_closed_port_is_port_unreachable_at_once() -> None:
    port = free_udp_port()
    t0 = time.monotonic()
    ev = probe("sip_options", target=f"127.0.0.1:{port}")
    elapsed = time.monotonic() - t0
    assert elapsed < 1.0
    assert ev.status.value == "fail"
    assert ev.summary == f"port unreachable: nothing listens on UDP {port} at 127.0.0.1"
    assert ev.facts == {"answered": False, "timeouts": 0, "port_unreachable": True}
    assert any("listens on that port" in a for a in ev.advice)
    assert [a["n"] for a in ev.data["attempts"]] == [1]


def test_ping_marks_the_refused_attempt() -> None:
    tries, log = ping("127.0.0.1", free_udp_port(), attempts=3, interval=1.0)
    assert len(tries) == 1 and tries[0].unreachable and tries[0].status is None
    assert log[-1] == "attempt 1: ICMP port unreachable"


def _slow_peer(sock: socket.socket, delay: float, stop: threading.Event) -> None:
    """Answer only the first OPTIONS, `delay` s late; later requests go unanswered."""
    sock.settimeout(0.05)
    first = None
    while not stop.is_set():
        try:
            data, addr = sock.recvfrom(65535)
        except TimeoutError:
            continue
        if first is None:
            first = (data, addr, time.monotonic())
            break
    if first is None:
        return
    data, addr, at = first
    stop.wait(max(0.0, at + delay - time.monotonic()))
    msg = parse_message(data)
    assert msg is not None
    head = ["SIP/2.0 200 OK"] + [
        f"{n}: {msg.header(n)}" for n in ("via", "from", "to", "call-id", "cseq")
    ]
    sock.sendto(("\r\n".join([*head, "Content-Length: 0"]) + "\r\n\r\n").encode(), addr)


def test_slow_answer_to_the_first_request_is_not_loss() -> None:
    ev = options_against(lambda sock, stop: _slow_peer(sock, 0.5, stop))
    assert ev.facts["answered"] is True and ev.facts["status_code"] == 200
    assert ev.facts["timeouts"] == 0, ev.summary
    assert ev.data["attempts"][0]["status"] == 200 and ev.facts["rtt_ms"] >= 450
    assert "unanswered" not in ev.summary and "slow" in ev.summary
    assert ev.status.value == "warn"
    assert not any("Packet loss" in a for a in ev.advice)
    assert any("slow, not unreachable" in a for a in ev.advice)
