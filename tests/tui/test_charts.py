"""The duration histogram and the rejection sparkline read without colour."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from dropwizard.tui.widgets.chart import MARK, ChartData, render_chart
from dropwizard.tui.widgets.evidence_charts import duration_chart, rejection_chart


def _hist(spike_at: int) -> list[dict[str, int]]:
    return [
        {"start_s": s, "end_s": s + 60, "count": 40 if s == spike_at else 2 + s // 600}
        for s in range(0, 3600, 60)
    ]


def test_spike_is_marked_with_carets_under_its_column() -> None:
    facts = {
        "pattern": "spike",
        "spike_s": 1800,
        "spike_share": 0.64,
        "spike_kind": "session_timer",
    }
    chart = duration_chart(facts, {"histogram": _hist(1800)})
    assert chart is not None
    assert [i for i, m in enumerate(chart.marked) if m] == [30]
    text = render_chart(chart, width=78, rows=4).plain
    lines = text.splitlines()
    caret_line = next(line for line in lines if MARK in line)
    tallest_col = lines[0].index("█")
    assert caret_line.index(MARK) == tallest_col
    assert "spike at 1800 s: 64% of drops (session timer)" in text


def test_band_marks_every_column_it_covers() -> None:
    facts = {"pattern": "band", "band_start_s": 120, "band_share": 0.5}
    data = {"histogram": [[s, s + 60, 9 if 120 <= s < 300 else 1] for s in range(0, 600, 60)]}
    data["band_width_s"] = 180
    chart = duration_chart(facts, data)
    assert chart is not None
    assert [i for i, m in enumerate(chart.marked) if m] == [2, 3, 4]


def test_raw_durations_are_binned() -> None:
    chart = duration_chart({}, {"durations": [31, 32, 33, 95]})
    assert chart is not None
    assert sum(chart.values) == 4
    assert not any(chart.marked)


def test_no_histogram_means_no_chart() -> None:
    assert duration_chart({"pattern": "none"}, {}) is None
    assert rejection_chart({}, {"other": 1}) is None


def test_burst_window_is_marked_in_the_series() -> None:
    series = [
        {"t": f"2026-11-28T14:{m:02d}:00Z", "rejected": 30 if 10 <= m <= 20 else 1}
        for m in range(0, 60, 5)
    ]
    facts = {
        "burst": True,
        "burst_start": "2026-11-28T14:10:00Z",
        "burst_end": "2026-11-28T14:20:00Z",
        "burst_rate": 0.42,
        "baseline_rate": 0.03,
    }
    chart = rejection_chart(facts, {"series": series})
    assert chart is not None
    assert [i for i, m in enumerate(chart.marked) if m] == [2, 3, 4]
    assert "burst 14:10-14:20: 42% rejected vs 3% baseline" in render_chart(chart, 78, 2).plain


@given(
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=300),
    st.integers(min_value=5, max_value=200),
    st.integers(min_value=1, max_value=8),
)
def test_any_series_fits_the_width(values: list[float], width: int, rows: int) -> None:
    assume(max(values) > 0)
    chart = ChartData(values, [str(i) for i in range(len(values))], [v > 5e5 for v in values])
    text = render_chart(chart, width, rows)
    for line in text.plain.splitlines()[:rows]:
        assert len(line) <= max(width, 10)
