"""Bounded tcpdump captures for the capture probes: time and packet limits, small snaplen, file 0600."""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dropwizard.errors import InputError
from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result, skipped_missing, skipped_root
from dropwizard.probes.host import LocalHost, RunResult
from dropwizard.probes.validate import parse_interface

MAX_SECONDS = 600.0


@dataclass
class Capture:
    """A finished capture: where it is, how it was taken, tcpdump's own counters."""

    path: str
    argv: list[str]
    started: float
    ended: float
    run: RunResult
    counters: dict[str, int] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {
            "pcap": self.path,
            "command": " ".join(self.argv),
            "seconds": round(self.ended - self.started, 3),
            "tcpdump_counters": self.counters,
        }


def parse_counters(stderr: str) -> dict[str, int]:
    """tcpdump's exit statistics: captured, received by filter, dropped by kernel/interface."""
    out: dict[str, int] = {}
    for m in re.finditer(
        r"(\d+) packets? (captured|received by filter|dropped by kernel|dropped by interface)",
        stderr,
    ):
        out[m.group(2).replace(" ", "_")] = int(m.group(1))
    return out


def interfaces(pc: ProbeContext) -> list[str] | None:
    try:
        return pc.host.list_dir("/sys/class/net")
    except OSError:
        return None


def seconds_param(pc: ProbeContext, default: float) -> float:
    value = pc.param("seconds", default)
    try:
        secs = float(value)
    except (TypeError, ValueError):
        secs = -1.0
    if not 1 <= secs <= MAX_SECONDS:
        raise InputError(
            f"invalid --seconds {value!r}: give a number of seconds from 1 to {MAX_SECONDS:g}"
        )
    return secs


def precheck(pc: ProbeContext) -> Result | None:
    """Skip with what is needed when tcpdump, root or a live host is missing."""
    if pc.host.which("tcpdump") is None:
        return skipped_missing("tcpdump", pc.host)
    if not pc.host.is_root():
        return skipped_root("tcpdump needs root to capture")
    if not isinstance(pc.host, LocalHost) or not pc.host.run_commands:
        return Result(
            Status.SKIPPED,
            f"captures need the live host; {pc.host.name} is a snapshot (pass pcap=FILE to analyse one)",
        )
    return None


def capture(
    pc: ProbeContext,
    name: str,
    bpf: str,
    *,
    seconds: float,
    snaplen: int,
    count: int | None = None,
    iface: str = "any",
) -> Capture | Result:
    """Run tcpdump for at most `seconds` (and `count` packets) into a private 0600 pcap."""
    base = pc.config.capture_dir
    if base:
        Path(base).mkdir(mode=0o700, parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="dropwizard-", dir=base or None)
    os.chmod(directory, 0o700)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = os.path.join(directory, f"{name}-{stamp}.pcap")
    argv = [
        "tcpdump",
        "-n",
        "-i",
        iface,
        "-s",
        str(int(snaplen)),
        "-c",
        str(int(count or pc.config.capture_count)),
        "-U",
        "-Z",
        "root",
        "-w",
        path,
        bpf,
    ]
    started = time.time()
    run = pc.host.run(
        argv,
        seconds + 5.0,
        64 * 1024,
        interrupt_after=seconds,
        cancel=pc.cancel,
        **({"umask": 0o077} if isinstance(pc.host, LocalHost) else {}),
    )
    ended = time.time()
    if run.interrupted and not run.timed_out:
        ended = min(ended, started + seconds)
    if os.path.exists(path):
        os.chmod(path, 0o600)
    err = run.stderr
    if run.missing_binary:
        return skipped_missing("tcpdump", pc.host)
    if "operation not permitted" in err.lower() or "you don't have permission" in err.lower():
        return skipped_root("tcpdump could not open the interface", raw=run.raw())
    if not os.path.exists(path):
        return Result(
            Status.ERROR,
            f"tcpdump failed: {err.strip().splitlines()[-1] if err.strip() else run.describe()}",
            raw=run.raw(),
        )
    return Capture(
        path=path, argv=argv, started=started, ended=ended, run=run, counters=parse_counters(err)
    )


def analyse(path: str, *, stop_threshold: float, flood_pps: float) -> tuple[Any, str | None]:
    """The capture analysis of `dropwizard.capture` (None and a reason when it is not installed)."""
    try:
        from dropwizard.capture import CaptureError, analyse_file
    except ImportError:
        return None, "capture analysis is not installed"
    try:
        return analyse_file(
            path, stop_threshold=stop_threshold, flood_pps=max(int(flood_pps), 1)
        ), None
    except CaptureError as exc:
        return None, exc.message


def capture_note(cap: Capture) -> list[str]:
    """Advice about the capture itself (kernel drops mean the capture lost packets, not the network)."""
    dropped = cap.counters.get("dropped_by_kernel", 0) + cap.counters.get("dropped_by_interface", 0)
    if dropped:
        return [
            f"tcpdump itself dropped {dropped} packets: losses in this capture may be the capture's own."
        ]
    return []


@dataclass
class Obtained:
    """A pcap to analyse: freshly captured, or given with `pcap=FILE`."""

    path: str
    data: dict[str, Any]
    advice: list[str]
    started: float | None = None
    ended: float | None = None
    raw: str = ""


def given_path(host: Any, given: str) -> Path | None:
    """Where to read a pcap named by the operator: on this machine a relative path is relative
    to the working directory; on a snapshot or another host, the host decides."""
    inner = getattr(host, "inner", host)
    if isinstance(inner, LocalHost) and inner.root == Path("/"):
        return Path(os.path.abspath(os.path.expanduser(given)))
    return host.local_path(given)


def obtain(
    pc: ProbeContext,
    name: str,
    bpf: str,
    *,
    seconds: float,
    snaplen: int,
    count: int | None = None,
) -> Obtained | Result:
    """Capture (after the checks) or take the pcap named by the `pcap` parameter."""
    session_file = pc.param("capture_file")
    if session_file:
        if not os.path.isfile(str(session_file)):
            raise InputError(f"capture {session_file!r}: no such file")
        return Obtained(
            path=str(session_file), data={"pcap": str(session_file), "given": True}, advice=[]
        )
    given = pc.param("pcap")
    if given:
        local = given_path(pc.host, str(given))
        if local is None or not local.is_file():
            raise InputError(f"pcap {given!r}: no such file on {pc.host.name}")
        return Obtained(path=str(local), data={"pcap": str(local), "given": True}, advice=[])
    iface = parse_interface(pc.param("interface", pc.config.interface), interfaces(pc))
    skip = precheck(pc)
    if skip is not None:
        return skip
    cap = capture(pc, name, bpf, seconds=seconds, snaplen=snaplen, count=count, iface=iface)
    if isinstance(cap, Result):
        return cap
    return Obtained(
        path=cap.path,
        data=cap.data(),
        advice=capture_note(cap),
        started=cap.started,
        ended=cap.ended,
        raw=cap.run.raw(),
    )


def analyse_obtained(pc: ProbeContext, got: Obtained, data: dict[str, Any]) -> Any:
    """The analysis of `got`'s pcap, or a WARN Result (carrying `data`) saying why there is none."""
    res, why = analyse(got.path, stop_threshold=pc.config.rtp_stop_s, flood_pps=pc.config.flood_pps)
    if res is not None:
        return res
    return Result(
        Status.WARN,
        f"captured to {got.path} but could not analyse it: {why}",
        data=data,
        advice=[f"dropwizard capture {got.path}", *got.advice],
        raw=got.raw,
    )


def discard(path: str) -> None:
    """Delete a capture this probe made, and its private directory when it is empty."""
    try:
        os.unlink(path)
        os.rmdir(os.path.dirname(path))
    except OSError:
        pass
