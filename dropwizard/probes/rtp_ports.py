"""`rtp_ports`: UDP sockets bound inside the RTP port range vs its size (port exhaustion)."""

from __future__ import annotations

from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.validate import parse_port_range
from dropwizard.probes.vos_config import rtp_range


def local_port(line: str) -> int | None:
    """The local port of one /proc/net/udp(6) socket line."""
    f = line.split()
    if len(f) < 3 or ":" not in f[1]:
        return None
    try:
        return int(f[1].rsplit(":", 1)[1], 16)
    except ValueError:
        return None


def udp_local_ports(text: str) -> list[int]:
    """Local ports of the sockets in a /proc/net/udp or udp6 table."""
    return [p for p in (local_port(ln) for ln in text.splitlines()[1:]) if p is not None]


def probe(pc: ProbeContext) -> Result:
    """Count UDP ports in use inside the RTP range from /proc/net/udp and /proc/net/udp6."""
    host = pc.host
    if pc.params.get("rtp_range") is not None:
        (lo, hi), origin = parse_port_range(pc.params["rtp_range"], "--rtp-range"), "command line"
    else:
        (lo, hi), origin = rtp_range(host, pc.config)
    ports: set[int] = set()
    read: list[str] = []
    raw: list[str] = []
    sockets = 0
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        text = host.try_read(path, 64 * 1024 * 1024)
        if text is None:
            continue
        read.append(path)
        for line in text.splitlines()[1:]:
            port = local_port(line)
            if port is not None and lo <= port <= hi:
                sockets += 1
                ports.add(port)
                if len(raw) < 200:
                    raw.append(f"{path}: {line.strip()}")
    if not read:
        return Result(Status.SKIPPED, "no /proc/net/udp on this host: cannot count sockets")
    size = hi - lo + 1
    share = len(ports) / size
    facts: dict[str, Any] = {
        "in_use": len(ports),
        "range_size": size,
        "usage_share": round(share, 4),
        "exhausted": share >= pc.config.rtp_usage_share,
    }
    data = {"range": [lo, hi], "range_from": origin, "sockets": sockets, "files": read}
    summary = f"{len(ports)} of {size} UDP ports in use in {lo}-{hi} ({share:.1%})"
    if facts["exhausted"]:
        return Result(
            Status.FAIL,
            summary + ": the RTP range is nearly exhausted, new calls get no media port",
            facts=facts,
            data=data,
            raw="\n".join(raw),
            advice=[
                "Widen the RTP port range in the VOS3000 media settings, check for leaked media "
                "sessions (mbx3000d restart frees them) and for other services bound in the range.",
                "ss -uanp | awk '{print $5}' | sort | uniq -c | sort -rn | head   # who holds ports",
            ],
        )
    status = Status.WARN if share >= pc.config.rtp_usage_share / 2 else Status.OK
    return Result(status, summary, facts=facts, data=data, raw="\n".join(raw))
