"""Probe test helpers: fixture roots, free loopback ports, root/tcpdump requirements."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from support import need

from dropwizard.evidence import Evidence
from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.gatherers import run_probe
from dropwizard.probes.host import Host, LocalHost, RecordedHost

FIXTURES = Path(__file__).parent / "fixtures"
__all__ = [
    "FIXTURES",
    "fixture_host",
    "free_udp_port",
    "need",
    "options_against",
    "probe",
    "require_root",
]


def require_root() -> None:
    if os.geteuid() != 0:
        need("capturing with tcpdump needs root (./scripts/test runs as root in CI)")


def free_udp_port() -> int:
    """A UDP port on 127.0.0.1 that nothing is bound to right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture_host(name: str) -> Host:
    path = FIXTURES / name
    if (path / "commands.yaml").exists():
        return RecordedHost(path)
    return LocalHost(path)


def probe(name: str, host: Host | None = None, **params: object) -> Evidence:
    cfg = params.pop("config", None)
    assert cfg is None or isinstance(cfg, ProbeConfig)
    return run_probe(name, host=host or LocalHost("/"), config=cfg or ProbeConfig(), params=params)


def options_against(peer: Callable[[socket.socket, threading.Event], None]) -> Evidence:
    """sip_options (0.3 s between attempts) against a loopback UDP peer that `peer(sock, stop)`
    serves in a thread until `stop` is set."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    stop = threading.Event()
    t = threading.Thread(target=peer, args=(sock, stop), daemon=True)
    t.start()
    try:
        return probe(
            "sip_options",
            target=f"127.0.0.1:{sock.getsockname()[1]}",
            config=ProbeConfig(sip_options_interval=0.3),
        )
    finally:
        stop.set()
        t.join()
        sock.close()
