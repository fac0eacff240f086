"""`services`: the VOS3000 daemons and MySQL, through systemctl, SysV init scripts and /proc."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import SERVICE_ALIASES, ProbeContext, Result
from dropwizard.probes.host import Host

VOS_DAEMONS = ("mbx3000d", "vos3000d", "empd")
_PROPS = "LoadState,ActiveState,SubState,ActiveEnterTimestamp,NRestarts,MainPID"


@dataclass
class ServiceState:
    name: str
    installed: bool = False
    running: bool = False
    manager: str = "none"
    unit: str | None = None
    state: str | None = None
    since: str | None = None
    restarts: int | None = None
    pids: list[int] = field(default_factory=list)


@dataclass
class Proc:
    pid: int
    comm: str
    cmdline: str
    started: float | None


def process_table(host: Host, limit: int = 20000) -> list[Proc]:
    """Processes from /proc: pid, comm, cmdline, start time (epoch seconds when known)."""
    try:
        names = host.list_dir("/proc")
    except OSError:
        return []
    btime = None
    stat = host.try_read("/proc/stat", 64 * 1024) or ""
    m = re.search(r"^btime\s+(\d+)", stat, re.M)
    if m:
        btime = int(m.group(1))
    hz = 100
    procs: list[Proc] = []
    for name in names[:limit] if len(names) > limit else names:
        if not name.isdigit():
            continue
        comm = (host.try_read(f"/proc/{name}/comm", 256) or "").strip()
        if not comm:
            continue
        cmdline = (host.try_read(f"/proc/{name}/cmdline", 4096) or "").replace("\0", " ").strip()
        started = None
        st = host.try_read(f"/proc/{name}/stat", 4096)
        if st and btime is not None and ")" in st:
            fields = st.rsplit(")", 1)[1].split()
            if len(fields) > 19 and fields[19].isdigit():
                started = btime + int(fields[19]) / hz
        procs.append(Proc(int(name), comm, cmdline, started))
    return procs


def matches_service(proc: Proc, name: str, patterns: list[str]) -> bool:
    """Is this process one of the service's? (see `base.SERVICES`)."""
    if proc.comm == name or proc.comm in patterns:
        return True
    paths = [p for p in patterns if "/" in p]
    if not paths or not proc.cmdline:
        return False
    args = proc.cmdline.split()
    if any(args[0].startswith(p) for p in paths):
        return True
    return proc.comm == "java" and any(p in proc.cmdline for p in paths)


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return (
        datetime.fromtimestamp(epoch, timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def parse_systemctl_show(text: str) -> list[dict[str, str]]:
    """Blocks of KEY=VALUE lines separated by blank lines."""
    blocks: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if cur:
                blocks.append(cur)
                cur = {}
            continue
        k, _, v = line.partition("=")
        cur[k.strip()] = v.strip()
    if cur:
        blocks.append(cur)
    return blocks


def probe(pc: ProbeContext) -> Result:
    """Is each VOS3000 daemon (and MySQL) installed, running, since when, how often restarted?"""
    host = pc.host
    procs = process_table(host)
    systemd = host.exists("/run/systemd/system") and host.which("systemctl") is not None
    states: list[ServiceState] = []
    raw: list[str] = []
    for name, comms in pc.config.services.items():
        st = ServiceState(name=name)
        aliases = SERVICE_ALIASES.get(name, [name])
        if systemd:
            units = [f"{a}.service" for a in aliases]
            res = pc.run(["systemctl", "show", *units, "-p", _PROPS])
            raw.append(res.raw())
            if res.ok:
                for unit, block in zip(units, parse_systemctl_show(res.stdout), strict=False):
                    if block.get("LoadState") == "loaded":
                        st.installed = True
                        st.manager = "systemd"
                        st.unit = unit
                        st.state = f"{block.get('ActiveState')}/{block.get('SubState')}"
                        st.running = block.get("ActiveState") in ("active", "reloading")
                        if block.get("ActiveEnterTimestamp"):
                            st.since = block["ActiveEnterTimestamp"]
                        if block.get("NRestarts", "").isdigit():
                            st.restarts = int(block["NRestarts"])
                        break
        if not st.installed:
            for alias in aliases:
                if host.exists(f"/etc/init.d/{alias}") or host.exists(f"/etc/rc.d/init.d/{alias}"):
                    st.installed = True
                    st.manager = "sysv"
                    st.unit = f"/etc/init.d/{alias}"
                    break
        matches = [p for p in procs if matches_service(p, name, comms)]
        if matches:
            st.pids = sorted(p.pid for p in matches)[:10]
            raw += [f"{p.pid} {p.comm}: {p.cmdline[:200]}" for p in matches[:10]]
            if st.manager != "systemd":
                st.running = True
                st.state = st.state or "running"
                first = min((p.started for p in matches if p.started), default=None)
                st.since = st.since or _iso(first)
            if not st.installed:
                st.installed = True
                st.manager = "process"
        elif st.manager == "sysv":
            st.state = "not running"
        states.append(st)
    installed = [s for s in states if s.installed]
    down = [s.name for s in installed if not s.running]
    restarts = [s.restarts for s in states if s.restarts is not None]
    vos_present = [s for s in installed if s.name in VOS_DAEMONS]
    facts: dict[str, Any] = {"down": down}
    if down:
        facts["all_running"] = False
    elif vos_present:
        facts["all_running"] = True
    if restarts:
        facts["restarts"] = sum(restarts)
    data: dict[str, Any] = {
        "services": [asdict(s) for s in states],
        "manager": "systemd" if systemd else "sysv/proc",
        "checked_at": _iso(time.time()),
    }
    advice: list[str] = []
    for name in down:
        advice.append(f"service {name} start   (or: systemctl start {name}); then check its log")
    if "mbx3000d" in down:
        advice.append("Every call through this softswitch drops while mbx3000d is down.")
    absent = [s.name for s in states if not s.installed]
    running = [s.name for s in installed if s.running]
    if down:
        status = Status.FAIL
        summary = f"down: {', '.join(down)}"
        if running:
            summary += f"; running: {', '.join(running)}"
    elif not vos_present:
        status = Status.WARN
        summary = "no VOS3000 daemon (mbx3000d, vos3000d, empd) on this host"
        if running:
            summary += f"; running: {', '.join(running)}"
    else:
        status = Status.OK
        summary = f"running: {', '.join(running)}"
    if absent and vos_present:
        summary += f"; not installed: {', '.join(absent)}"
    if restarts and sum(restarts) > 0:
        summary += f"; {sum(restarts)} automatic restart(s)"
        if status is Status.OK:
            status = Status.WARN
    return Result(status, summary, facts=facts, data=data, advice=advice, raw="\n".join(raw))
