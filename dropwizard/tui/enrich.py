"""Chart series for CDR evidence, read from the analysis the CDR gatherers already cached.

When a gatherer's evidence carries `data["histogram"]` / `data["series"]` itself, that wins;
otherwise (live sessions) the drop-duration histogram and the rejection time series come from
the cached analysis of the same source and scope, so no extra query runs. Runs in the gather
worker thread, never in the UI thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_BINS = 60


def bin_width(max_s: float) -> int:
    """A round bin width that keeps the histogram within MAX_BINS columns."""
    for step in STEPS:
        if max_s / step <= MAX_BINS:
            return step
    return STEPS[-1]


def histogram(durations: dict[int, int]) -> list[dict[str, int]]:
    """{duration s: drops} binned into round-width columns (empty bins kept)."""
    points = {int(d): int(n) for d, n in durations.items() if int(d) > 0 and n}
    if not points:
        return []
    width = bin_width(max(points))
    bins: dict[int, int] = {}
    for d, n in points.items():
        bins[d // width] = bins.get(d // width, 0) + n
    return [
        {"start_s": i * width, "end_s": (i + 1) * width, "count": bins.get(i, 0)}
        for i in range(0, max(bins) + 1)
    ]


def _iso(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


def series(
    cells: dict[int, dict[str, int]], bucket_ms: int, classes: Iterable[str]
) -> list[dict[str, Any]]:
    """Rejections per timeline bucket of one gateway: [{t, rejected, attempts}]."""
    wanted = list(classes)
    out = []
    for bucket in sorted(cells):
        cell = cells[bucket]
        out.append(
            {
                "t": _iso(bucket * bucket_ms),
                "rejected": sum(int(cell.get(k, 0)) for k in wanted),
                "attempts": int(cell.get("attempts", 0)),
            }
        )
    return out


def chart_data(ctx: Any, evidence: list[Any]) -> dict[str, dict[str, Any]]:
    """Extra chart data per gatherer name (`cdr.durations`, `cdr.providers`), or nothing."""
    names = {getattr(e, "name", None) for e in evidence}
    if not names & {"cdr.durations", "cdr.providers"} or getattr(ctx, "source", None) is None:
        return {}
    try:
        from dropwizard.cdr.service import analyse
        from dropwizard.diagnosis.detectors import REJECT_CLASSES, provider_series

        cache = ctx.source.__dict__.get("_analysis_cache") or {}
        if not cache:
            return {}
        a = analyse(ctx.source, ctx.scope, ctx.flow)
        out: dict[str, dict[str, Any]] = {}
        for ev in evidence:
            data = getattr(ev, "data", {}) or {}
            if ev.name == "cdr.durations" and "histogram" not in data:
                side, gw = ("all", "")
                found = [
                    f
                    for f in a.findings
                    if f.id
                    in (
                        "session_timer_expiry",
                        "ack_timeout",
                        "max_call_duration",
                        "rtp_timeout",
                        "firewall_udp_timeout",
                        "nat_keepalive_loss",
                    )
                ]
                if found and found[0].gateway and found[0].side:
                    side, gw = found[0].side, found[0].gateway
                drops = a.summary.drops.get((side, gw)) or a.summary.drops.get(("all", ""), {})
                out[ev.name] = {"histogram": histogram(dict(drops)), "where": gw or "all gateways"}
            elif ev.name == "cdr.providers" and "series" not in data:
                gw = (getattr(ev, "facts", {}) or {}).get("top_gateway")
                cells = provider_series(a.profile).get(gw or "", {})
                if cells:
                    out[ev.name] = {
                        "series": series(cells, a.profile.bucket_ms, REJECT_CLASSES),
                        "where": gw,
                    }
        return out
    except Exception:  # charts are a bonus: never fail the check over them
        return {}
