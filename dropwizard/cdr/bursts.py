"""Burst windows to the minute.

The timeline finds a provider's rejection burst in buckets of 5 minutes or more; a ticket to the
provider needs its edges. One statement per burst reads that gateway's attempts and rejections per
minute in the buckets around it, and the window becomes the run of minutes with the most
rejections above a rate halfway between the gateway's own baseline and the burst's rate (above
the baseline alone, stray rejections in the minutes around would widen the window).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from dropwizard.cdr import sql
from dropwizard.cdr.analytics import epoch_ms
from dropwizard.cdr.base import CdrSource
from dropwizard.diagnosis.detectors import REJECT_CLASSES, Burst
from dropwizard.diagnosis.windows import best_window


def refine(
    source: CdrSource,
    burst: Burst,
    since: datetime | None,
    until: datetime | None,
    gateway: str | None,
    bucket_ms: int,
) -> Burst:
    """`burst` with its window and counts placed to the minute (unchanged if that fails to hold
    at least half of the burst's excess: the buckets' picture then stands)."""
    lo, hi = burst.start_ms - bucket_ms, burst.end_ms + bucket_ms
    s_ms, u_ms = epoch_ms(since), epoch_ms(until)
    lo = max(lo, s_ms) if s_ms is not None else lo
    hi = min(hi, u_ms) if u_ms is not None else hi
    codes = REJECT_CLASSES[burst.klass]
    mysql = source.dialect == "mysql"
    per_minute: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for plan in source.plan(since, until):
        cm = source.columns(plan.table)
        f = sql.Filter(lo, hi, gateway, plan.exclude)
        stmt = sql.burst_minutes(cm, plan.table, f, burst.gateway, codes, mysql=mysql)
        for minute, attempts, rejected in source.execute(stmt):
            acc = per_minute[int(minute)]
            acc[0] += int(attempts or 0)
            acc[1] += int(rejected or 0)
    level = (burst.baseline + burst.rate) / 2
    span = best_window(((m, a, r) for m, (a, r) in per_minute.items()), level)
    if span is None:
        return burst
    inside = [v for m, v in per_minute.items() if span[0] <= m <= span[1]]
    attempts, rejected = sum(v[0] for v in inside), sum(v[1] for v in inside)
    refined = replace(
        burst,
        start_ms=span[0] * sql.MINUTE_MS,
        end_ms=(span[1] + 1) * sql.MINUTE_MS,
        rejected=rejected,
        attempts=attempts,
    )
    return refined if refined.excess * 2 >= burst.excess else burst
