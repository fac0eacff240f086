"""Spike and band detection on drop-duration histograms (1 s bins), for any duration.

A *spike* is a pile of drops within ±1 s of one duration, far above the local background (e.g.
a session timer at 1768 s, an ACK timeout at 32 s, a max-duration cut at 3600 s). A *band* is a
sharp onset: almost no drops before some duration T, many from T on (e.g. an RTP timeout: the
media stops at any time, the call drops T seconds later, or right at T when media never flowed).
Nothing here knows which durations to expect: thresholds are statistical and relative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

from dropwizard.cdr.sql import MAX_HOLD

SPIKE_MIN = 5
BAND_MIN = 8
BAND_MIN_ONSET = 15
SPIKE_BG_RADIUS = 60


@dataclass
class Spike:
    at: int
    """Duration (s) of the tallest bin."""
    calls: int
    """Drops within ±1 s."""
    expected: float
    """Background drops expected within ±1 s."""
    z: float

    @property
    def excess(self) -> int:
        return max(0, round(self.calls - self.expected))


@dataclass
class Band:
    start: int
    end: int
    calls: int
    expected: float
    z: float

    @property
    def excess(self) -> int:
        return max(0, round(self.calls - self.expected))


class Hist:
    """A dense view of a sparse {duration: count} histogram with prefix sums."""

    def __init__(self, counts: dict[int, int], without: tuple[int, ...] = ()) -> None:
        self.n = MAX_HOLD + 2
        arr = [0] * self.n
        for d, c in counts.items():
            if 0 < d < self.n:
                arr[d] += c
        for d in without:
            for x in (d - 1, d, d + 1):
                if 0 < x < self.n:
                    arr[x] = 0
        self.counts = counts
        self.arr = arr
        self.pre = [0, *accumulate(arr)]
        self.total = self.pre[-1]

    def sum(self, lo: int, hi: int) -> int:
        """Drops with lo <= duration < hi (clamped to 1..MAX_HOLD)."""
        lo, hi = max(1, lo), min(MAX_HOLD + 1, hi)
        return self.pre[hi] - self.pre[lo] if hi > lo else 0


def _z(obs: float, exp: float) -> float:
    return (obs - exp) / math.sqrt(exp + 1.0)


def find_spikes(h: Hist) -> list[Spike]:
    """Spikes, tallest first, at most one per ±3 s."""
    if h.total < SPIKE_MIN:
        return []
    out: list[Spike] = []
    arr = h.arr
    for d in range(1, MAX_HOLD + 1):
        if arr[d] == 0:
            continue
        c3 = h.sum(d - 1, d + 2)
        if c3 < SPIKE_MIN or arr[d] < max(arr[d - 1], arr[d + 1] if d + 1 < h.n else 0):
            continue
        lo, hi = max(1, d - SPIKE_BG_RADIUS), min(MAX_HOLD + 1, d + SPIKE_BG_RADIUS + 1)
        ring = h.sum(lo, hi) - h.sum(d - 3, d + 4)
        bins = (hi - lo) - (min(MAX_HOLD + 1, d + 4) - max(1, d - 3))
        exp3 = 3.0 * ring / max(1, bins)
        z = _z(c3, exp3)
        if c3 >= 4 * exp3 + 3 and z >= 4:
            out.append(Spike(at=d, calls=c3, expected=exp3, z=z))
    out.sort(key=lambda s: -s.calls)
    kept: list[Spike] = []
    for s in out:
        if all(abs(s.at - k.at) > 3 for k in kept):
            kept.append(s)
    return kept


def band_after(h: Hist, onset: int, width: int = 120) -> tuple[int, int]:
    """(drops in (onset+2, onset+width], drops in [onset-width, onset-2)) around a spike."""
    return h.sum(onset + 2, onset + width + 1), h.sum(onset - width, onset - 1)


def find_band(h: Hist) -> Band | None:
    """The strongest sharp onset of drops, or None."""
    if h.total < BAND_MIN:
        return None
    best: tuple[float, int] | None = None
    w = 60
    for t in range(BAND_MIN_ONSET, MAX_HOLD - w):
        post = h.sum(t, t + w)
        if post < BAND_MIN:
            continue
        pre_bins = min(w, t - 1)
        pre = h.sum(t - pre_bins, t) * w / max(1, pre_bins)
        if post < 4 * pre + 6:
            continue
        score = post - 4 * pre
        if best is None or score > best[0]:
            best = (score, t)
    if best is None:
        return None
    t = best[1]
    # refine the onset at 10 s scale, then to the first populated bin
    fine = max(
        range(max(BAND_MIN_ONSET, t - 30), t + 31),
        key=lambda x: h.sum(x, x + 10) - 3 * h.sum(x - 10, x),
    )
    start = next((x for x in range(max(BAND_MIN_ONSET, fine - 3), fine + 11) if h.arr[x]), fine)
    b = band_at(h, start)
    if b is None:
        return None
    post10, pre10 = h.sum(start, start + 10), h.sum(start - 10, start)
    return None if post10 < 3 * pre10 + 4 else b


def band_at(h: Hist, start: int) -> Band | None:
    """The band from `start` to where 90 % of the drops within 15 min of it have been seen,
    against the level of the two minutes before; None unless it holds BAND_MIN drops at z >= 5."""
    pre_bins = min(120, start - 1)
    bg = h.sum(start - pre_bins, start) / max(1, pre_bins)
    horizon = min(MAX_HOLD + 1, start + 900)
    total = h.sum(start, horizon)
    end = start
    acc = 0
    for x in range(start, horizon):
        acc += h.arr[x]
        end = x
        if acc >= 0.9 * total:
            break
    calls = h.sum(start, end + 1)
    expected = bg * (end + 1 - start)
    z = _z(calls, expected)
    if calls < BAND_MIN or z < 5:
        return None
    return Band(start=start, end=end, calls=calls, expected=expected, z=z)
