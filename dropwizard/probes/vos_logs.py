"""`vos_logs`: a bounded read of the tail of the newest VOS3000 logs for route changes, failover, errors.

The log file names under /home/kunshi/mbx3000/log are not documented, so every regular, uncompressed
file there (and in logbak) is a candidate; the newest ones are read from their end only.
"""

from __future__ import annotations

import re
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.host import Host

SKIP_SUFFIXES = (".gz", ".bz2", ".xz", ".zip", ".tar", ".tgz", ".pcap", ".pcapng")
SAMPLES = 8
GUIDE_COMMAND = 'tail -500 /var/log/vos3000/mbx3000.log | grep -i "route"'


def candidates(host: Host, dirs: list[str], depth: int = 1) -> list[tuple[str, float, int]]:
    """(path, mtime, size) of readable log files in dirs (one level of subdirectories)."""
    out: list[tuple[str, float, int]] = []
    stack = [(d.rstrip("/") or "/", 0) for d in dirs]
    while stack:
        d, level = stack.pop()
        try:
            names = host.list_dir(d)
        except OSError:
            continue
        for name in names[:5000]:
            path = f"{d}/{name}"
            info = host.stat(path)
            if info is None:
                continue
            if info.is_dir:
                if level < depth:
                    stack.append((path, level + 1))
                continue
            if name.endswith(SKIP_SUFFIXES) or info.size == 0:
                continue
            out.append((path, info.mtime, info.size))
    return sorted(out, key=lambda t: t[1], reverse=True)


def scan(
    text: str, patterns: dict[str, list[re.Pattern[str]]]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Count the lines that match each kind; keep the last few of each as samples."""
    counts = {k: 0 for k in patterns}
    samples: dict[str, list[str]] = {k: [] for k in patterns}
    for line in text.splitlines():
        for kind, pats in patterns.items():
            if any(p.search(line) for p in pats):
                counts[kind] += 1
                samples[kind].append(line.strip()[:300])
                if len(samples[kind]) > SAMPLES:
                    samples[kind].pop(0)
    return counts, samples


def probe(pc: ProbeContext) -> Result:
    """Scan the tail of the newest VOS3000 log files for route changes, failovers and errors."""
    cfg = pc.config
    dirs = [str(d) for d in (pc.params.get("log_dirs") or cfg.log_dirs)]
    present = [d for d in dirs if pc.host.stat(d) is not None]
    files = candidates(pc.host, present)[: max(cfg.log_max_files, 1)]
    if not files:
        what = "no VOS3000 log directory" if not present else "no log file"
        return Result(
            Status.SKIPPED,
            f"{what} found in {', '.join(dirs)}",
            facts={"found": False},
            data={"dirs": dirs},
            advice=[
                "Set [probes] log_dirs in the dropwizard config file to where this VOS3000 writes "
                "its logs (the default is /home/kunshi/mbx3000/log and logbak)."
            ],
        )
    patterns = {k: [re.compile(p, re.I) for p in v] for k, v in cfg.log_patterns.items()}
    totals = {k: 0 for k in patterns}
    samples: dict[str, list[str]] = {k: [] for k in patterns}
    per_file: list[dict[str, Any]] = []
    budget = cfg.log_tail_bytes
    for path, mtime, size in files:
        try:
            text = pc.host.read_file(path, budget, tail=True)
        except OSError as exc:
            per_file.append({"path": path, "error": exc.strerror or str(exc)})
            continue
        if size > budget and "\n" in text:
            text = text.split("\n", 1)[1]
        counts, smp = scan(text, patterns)
        per_file.append({"path": path, "size": size, "mtime": mtime, "read": len(text), **counts})
        for k in patterns:
            totals[k] += counts[k]
            samples[k] = (samples[k] + [f"{path.rsplit('/', 1)[-1]}: {s}" for s in smp[k]])[
                -SAMPLES:
            ]
    facts: dict[str, Any] = {"found": True}
    for k in ("route_changes", "failovers", "errors"):
        if k in totals:
            facts[k] = totals[k]
    data = {
        "files": per_file,
        "samples": samples,
        "counts": totals,
        "patterns": cfg.log_patterns,
        "guide_command": GUIDE_COMMAND,
    }
    parts = [f"{totals[k]} {k.replace('_', ' ')}" for k in totals]
    summary = f"{', '.join(parts)} in the last {budget // 1024} KiB of {len(per_file)} log file(s)"
    status = Status.OK
    advice: list[str] = []
    if totals.get("failovers") or totals.get("route_changes"):
        status = Status.WARN
        advice.append(
            "Route changes during calls drop them: let failover act on new calls only "
            "(per gateway: no switch after ringing, SDP or RTP start)."
        )
    if totals.get("errors"):
        status = Status.WARN
    raw = "\n".join(f"[{k}] {s}" for k, v in samples.items() for s in v)
    return Result(status, summary, facts=facts, data=data, advice=advice, raw=raw)
