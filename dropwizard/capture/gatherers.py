"""The `capture.analysis` gatherer: analyses the session's capture file (docs/facts.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dropwizard.capture.errors import CaptureError
from dropwizard.evidence import Evidence, Status, timed
from dropwizard.gather import GatherContext, Registry

DATA_CALLS_CAP = 200
"""Calls kept in evidence data (the problem calls first); the facts count all of them."""


def capture_analysis(ctx: GatherContext, params: Mapping[str, Any]) -> Evidence:
    """Analyse the capture file: calls, RTP streams, OPTIONS, findings."""
    from dropwizard.capture import analyse_file

    path = params.get("path") or ctx.capture_path
    if not path:
        return Evidence(
            name="capture.analysis",
            kind="capture",
            asked="capture file",
            status=Status.SKIPPED,
            summary="no capture file in this session (start with a .pcap to use one)",
        )
    with timed() as box:
        try:
            kwargs: dict[str, Any] = {}
            if "stop_threshold" in params:
                kwargs["stop_threshold"] = float(params["stop_threshold"])
            result = analyse_file(str(path), **kwargs)
        except CaptureError as exc:
            return Evidence(
                name="capture.analysis",
                kind="capture",
                asked=str(path),
                status=Status.ERROR,
                summary=exc.message,
                started_at=box["started_at"],
            )
    findings = result.findings
    worst = max((f.severity.rank for f in findings), default=-1)
    status = (
        Status.FAIL if worst >= 3 else (Status.WARN if worst == 2 or result.warnings else Status.OK)
    )
    s = result.summary
    summary = (
        f"{s['calls']} calls, {s['answered']} answered, {s['streams']} RTP streams in "
        f"{s['packets']} packets"
    )
    if findings:
        summary += "; " + ", ".join(f.id for f in findings)
    problem = [c for c in result.calls if c["findings"]]
    rest = [c for c in result.calls if not c["findings"]]
    data = result.to_dict()
    data["calls"] = (problem + rest)[:DATA_CALLS_CAP]
    data["calls_cut"] = max(0, len(result.calls) - DATA_CALLS_CAP)
    data["findings"] = [f.to_dict() for f in findings]
    return Evidence(
        name="capture.analysis",
        kind="capture",
        asked=str(path),
        status=status,
        summary=summary,
        facts=dict(result.facts),
        data=data,
        advice=[r for f in findings for r in f.recommendations][:10],
        raw="\n".join([*result.warnings, *(e for f in findings for e in f.evidence)]),
        started_at=box["started_at"],
        duration_ms=box["duration_ms"],
    )


def register(registry: Registry) -> None:
    registry.add("capture.analysis", capture_analysis)
