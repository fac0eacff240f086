"""Charts drawn from evidence: the duration histogram of drops and the rejection time series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dropwizard.tui.text import fmt_value
from dropwizard.tui.widgets.chart import ChartData

_START_KEYS = ("start_s", "start", "lo", "from", "bin", "s", "t", "time", "bucket", "at")
_END_KEYS = ("end_s", "end", "hi", "to")
_COUNT_KEYS = ("count", "n", "calls", "drops", "rejected", "rejections", "value")


def _pick(d: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for k in keys:
        if k in d:
            return d[k]
    return None


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _points(raw: Any) -> list[tuple[Any, Any, float]]:
    """(start, end, count) from a list of dicts or pairs, or a {start: count} mapping."""
    out: list[tuple[Any, Any, float]] = []
    if isinstance(raw, Mapping):
        raw = [[k, v] for k, v in raw.items()]
    if not isinstance(raw, list):
        return out
    for item in raw:
        if isinstance(item, Mapping):
            count = _num(_pick(item, _COUNT_KEYS))
            start = _pick(item, _START_KEYS)
            end = _pick(item, _END_KEYS)
        elif isinstance(item, list | tuple) and len(item) >= 2:
            start, count = item[0], _num(item[-1])
            end = item[1] if len(item) >= 3 else None
        else:
            continue
        if count is not None:
            out.append((start, end, count))
    return out


def _bin_durations(durations: Sequence[float], width: float) -> list[tuple[Any, Any, float]]:
    counts: dict[int, int] = {}
    for d in durations:
        counts[int(d // width)] = counts.get(int(d // width), 0) + 1
    if not counts:
        return []
    return [
        (i * width, (i + 1) * width, float(counts.get(i, 0)))
        for i in range(min(counts), max(counts) + 1)
    ]


def _label_s(v: Any) -> str:
    n = _num(v)
    if n is None:
        return str(v)
    if n >= 3600 and n % 60 == 0:
        return f"{n / 3600:g}h"
    if n >= 120 and n % 60 == 0:
        return f"{n / 60:g}m"
    return f"{n:g}s"


def _band_end(data: Mapping[str, Any], start: float) -> float | None:
    """The band's end from the detector finding carried in the evidence data, if any."""
    for f in data.get("findings") or []:
        d = f.get("data") if isinstance(f, Mapping) else None
        if isinstance(d, Mapping) and _num(d.get("band_start_s")) == start:
            return _num(d.get("band_end_s"))
    return None


def _nice_labels(starts: list[float | None], count: int = 8) -> list[bool]:
    """Which columns get an x label: round multiples, about `count` of them."""
    known = [s for s in starts if s is not None]
    if not known:
        return [True] * len(starts)
    span = max(known) - min(known) or 1
    step = next(
        (
            x
            for x in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
            if span / x <= count
        ),
        14400,
    )
    return [s is not None and s % step == 0 for s in starts]


def duration_chart(facts: Mapping[str, Any], data: Mapping[str, Any]) -> ChartData | None:
    """Histogram of drop durations with the spike or band marked, or None when there is none."""
    raw = _pick(data, ("histogram", "hist", "bins", "duration_histogram"))
    points = _points(raw) if raw is not None else []
    if not points and isinstance(data.get("durations"), list):
        points = _bin_durations([d for d in map(_num, data["durations"]) if d is not None], 10)
    if not points:
        return None
    lo: float | None = None
    hi: float | None = None
    legend = ""
    pattern = facts.get("pattern")
    if pattern == "spike" and _num(facts.get("spike_s")) is not None:
        lo = hi = float(facts["spike_s"])
        share = facts.get("spike_share")
        kind = facts.get("spike_kind")
        legend = f"spike at {fmt_value(facts['spike_s'])} s"
        if isinstance(share, int | float):
            legend += f": {share:.0%} of drops"
        if kind:
            legend += f" ({str(kind).replace('_', ' ')})"
    elif pattern == "band" and _num(facts.get("band_start_s")) is not None:
        lo = float(facts["band_start_s"])
        hi = _num(facts.get("band_end_s")) or _band_end(data, lo)
        hi = hi or lo + (_num(data.get("band_width_s")) or 60.0)
        share = facts.get("band_share")
        legend = f"band from {fmt_value(facts['band_start_s'])} s"
        if isinstance(share, int | float):
            legend += f": {share:.0%} of drops"
    values, labels, marked = [], [], []
    width_guess = None
    nums = [_num(p[0]) for p in points]
    if len(nums) >= 2 and nums[0] is not None and nums[1] is not None:
        width_guess = nums[1] - nums[0]
    show = _nice_labels(nums)
    for (start, end, count), s, label in zip(points, nums, show, strict=True):
        e = _num(end)
        if e is None and s is not None and width_guess:
            e = s + width_guess
        values.append(count)
        labels.append(_label_s(start) if label else "")
        hit = False
        if lo is not None and hi is not None and s is not None:
            e2 = e if e is not None else s
            hit = (s <= lo < e2 or s == lo) if lo == hi else (s < hi and e2 > lo)
        marked.append(hit)
    return ChartData(
        values, labels, marked, legend=legend, unit="", empty="no dropped calls in scope"
    )


def _when(v: Any) -> Any:
    """An ISO time as a datetime when it parses, else the text (for ordering)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        return str(v)


def _label_t(v: Any) -> str:
    text = str(v)
    if "T" in text:
        text = text.split("T", 1)[1]
    return text[:5]


def rejection_chart(facts: Mapping[str, Any], data: Mapping[str, Any]) -> ChartData | None:
    """Rejections per time bucket with the burst marked, or None when there is no series."""
    raw = _pick(data, ("series", "timeline", "rejections", "buckets"))
    points = _points(raw) if raw is not None else []
    if not points:
        return None
    b0, b1 = facts.get("burst_start"), facts.get("burst_end")
    burst = bool(facts.get("burst")) and b0 is not None
    values, labels, marked = [], [], []
    for start, _end, count in points:
        values.append(count)
        labels.append(_label_t(start))
        try:
            hit = burst and _when(b0) <= _when(start) <= _when(b1 if b1 is not None else b0)
        except TypeError:
            hit = False
        marked.append(bool(hit))
    legend = ""
    if burst:
        legend = f"burst {_label_t(b0)}-{_label_t(b1)}"
        br, base = facts.get("burst_rate"), facts.get("baseline_rate")
        if isinstance(br, int | float) and isinstance(base, int | float):
            legend += f": {br:.0%} rejected vs {base:.0%} baseline"
    return ChartData(values, labels, marked, legend=legend, empty="no rejections in scope")
