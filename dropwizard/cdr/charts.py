"""Chart series carried in CDR evidence: the drop-duration histogram and rejections over time.

They live in the evidence's `data` (`histogram`, `series`, `where`), so the wizard draws them
live and a transcript, a resumed session or an export has them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from dropwizard.diagnosis.detectors import REJECT_CLASSES, provider_series

STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MAX_BINS = 60
DURATION_FINDINGS = (
    "session_timer_expiry",
    "ack_timeout",
    "max_call_duration",
    "rtp_timeout",
    "firewall_udp_timeout",
    "nat_keepalive_loss",
)


def bin_width(max_s: float) -> int:
    """A round bin width that keeps the histogram within MAX_BINS columns."""
    for step in STEPS:
        if max_s / step <= MAX_BINS:
            return step
    return STEPS[-1]


def histogram(durations: Mapping[int, int]) -> list[dict[str, int]]:
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
        for i in range(max(bins) + 1)
    ]


def _iso(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


def series(
    cells: Mapping[int, Mapping[str, int]], bucket_ms: int, classes: Iterable[str]
) -> list[dict[str, Any]]:
    """Rejections per timeline bucket of one gateway: [{t, rejected, attempts}]."""
    wanted = list(classes)
    return [
        {
            "t": _iso(bucket * bucket_ms),
            "rejected": sum(int(cells[bucket].get(k, 0)) for k in wanted),
            "attempts": int(cells[bucket].get("attempts", 0)),
        }
        for bucket in sorted(cells)
    ]


def duration_chart(a: Any) -> dict[str, Any]:
    """The drop histogram of the gateway side the first duration finding names (else all)."""
    found = [f for f in a.findings if f.id in DURATION_FINDINGS]
    side, gw = ("all", "")
    if found and found[0].gateway and found[0].side:
        side, gw = found[0].side, found[0].gateway
    drops = a.summary.drops.get((side, gw)) or a.summary.drops.get(("all", ""), {})
    return {"histogram": histogram(dict(drops)), "where": gw or "all gateways"}


def rejection_chart(a: Any, gateway: str | None) -> dict[str, Any]:
    """Rejections over time of one provider gateway, or nothing when it has no attempts."""
    cells = provider_series(a.profile).get(gateway or "", {})
    if not cells:
        return {}
    return {"series": series(cells, a.profile.bucket_ms, REJECT_CLASSES), "where": gateway}
