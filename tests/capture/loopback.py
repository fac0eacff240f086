"""Real peers on 127.0.0.1: tcpdump recording, sipp runs and an RTP sender, for capture tests."""

from __future__ import annotations

import os
import select
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCENARIOS = Path(__file__).parent / "scenarios"
LOOPBACK = "127.0.0.1"


_handed_out: set[int] = set()


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """An even free UDP port on loopback (RTP convention), never one handed out before by this
    process (a port picked but not bound yet must not be picked twice)."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, kind)
        s.bind((LOOPBACK, 0))
        port = s.getsockname()[1]
        s.close()
        if port % 2 == 0 and port < 65000 and not {port, port + 1} & _handed_out:
            _handed_out.update((port, port + 1))
            return port
    raise RuntimeError("no free port")


@contextmanager
def recording(path: Path, tcpdump: str, ports: list[int], interface: str = "lo") -> Iterator[Path]:
    """tcpdump on lo (or `any`, which records Linux cooked headers) into `path` for these UDP
    ports only (tests run in parallel), listening before the block runs and stopped after it."""
    bpf = "udp and host 127.0.0.1 and (" + " or ".join(f"port {p}" for p in ports) + ")"
    proc = subprocess.Popen(
        [tcpdump, "-i", interface, "--immediate-mode", "-w", str(path), "-U", "-n", *bpf.split()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 10
    seen = b""
    while b"listening on" not in seen:
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError(f"tcpdump did not start: {seen.decode(errors='replace')}")
        r, _w, _x = select.select([proc.stderr], [], [], 0.2)
        if r:
            seen += os.read(proc.stderr.fileno(), 4096)
    try:
        yield path
    finally:
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sipp(
    sipp_bin: str,
    scenario: str,
    port: int,
    *,
    remote: int | None = None,
    keys: dict[str, str] | None = None,
    extra: list[str] | None = None,
    calls: int = 1,
    media_port: int | None = None,
) -> subprocess.Popen:
    """Start sipp with a scenario of tests/capture/scenarios on 127.0.0.1:port."""
    cmd = [sipp_bin]
    if remote is not None:
        cmd.append(f"{LOOPBACK}:{remote}")
    cmd += [
        "-sf",
        str(SCENARIOS / scenario),
        "-i",
        LOOPBACK,
        "-p",
        str(port),
        "-m",
        str(calls),
        "-timeout",
        "30",
        "-nostdin",
        "-mp",
        str(media_port or _sipp_media_port()),
    ]
    for k, v in (keys or {}).items():
        cmd += ["-key", k, v]
    cmd += extra or []
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _sipp_media_port() -> int:
    """sipp binds its media port and the one two above it (video): keep all four."""
    port = free_port()
    _handed_out.update((port + 2, port + 3))
    return port


def finish(proc: subprocess.Popen, timeout: float = 30) -> int:
    """Wait for a sipp run; its exit code."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -9


class RtpPeer:
    """Sends 20 ms PCMU RTP from one loopback port to another in a thread.

    `stop_at` (seconds after start) stops the stream early; `duration` ends it.
    """

    def __init__(
        self,
        src_port: int,
        dst_port: int,
        duration: float,
        stop_at: float | None = None,
        ssrc: int = 0x1234ABCD,
        pt: int = 0,
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((LOOPBACK, src_port))
        self.dst = (LOOPBACK, dst_port)
        self.duration = duration
        self.stop_at = stop_at
        self.ssrc = ssrc
        self.pt = pt
        self.sent = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> RtpPeer:
        self._thread.start()
        return self

    def join(self) -> None:
        self._thread.join()
        self.sock.close()

    def _run(self) -> None:
        t0 = time.monotonic()
        seq, ts = 1000, 50_000
        payload = b"\xff" * 160
        limit = self.duration if self.stop_at is None else min(self.duration, self.stop_at)
        n = 0
        while True:
            due = t0 + n * 0.02
            now = time.monotonic()
            if due - t0 >= limit:
                break
            if due > now:
                time.sleep(due - now)
            hdr = struct.pack(">BBHII", 0x80, self.pt | (0x80 if n == 0 else 0), seq, ts, self.ssrc)
            self.sock.sendto(hdr + payload, self.dst)
            self.sent += 1
            seq = (seq + 1) & 0xFFFF
            ts = (ts + 160) & 0xFFFFFFFF
            n += 1
