"""The run of time slots with the most events above a rate (rejection bursts, to the bucket or
the minute)."""

from __future__ import annotations

from collections.abc import Iterable


def best_window(slots: Iterable[tuple[int, int, int]], rate: float) -> tuple[int, int] | None:
    """(first, last) slot of the run with the most rejections above `rate`.

    `slots` holds (slot, attempts, rejected); slots without calls count as zero. This is the
    maximum-sum run of `rejected - attempts * rate` (Kadane); None when no slot is above.
    """
    best, span = 0.0, None
    run, start = 0.0, 0
    for slot, attempts, rejected in sorted(slots):
        value = rejected - attempts * rate
        if run <= 0:
            run, start = value, slot
        else:
            run += value
        if run > best:
            best, span = run, (start, slot)
    return span
