"""CDR evidence carries its charts, so transcripts and resumed sessions can draw them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dropwizard.cdr import open_source
from dropwizard.cdr.charts import MAX_BINS, histogram
from dropwizard.gather import GatherContext, default_registry
from dropwizard.scope import Scope


@given(st.dictionaries(st.integers(1, 14_400), st.integers(1, 10_000), max_size=200))
def test_histogram_keeps_every_drop_within_the_column_limit(points: dict[int, int]) -> None:
    bins = histogram(points)
    assert sum(b["count"] for b in bins) == sum(points.values())
    assert len(bins) <= MAX_BINS + 1
    for b in bins:
        assert b["end_s"] > b["start_s"]


def test_demo_evidence_carries_histogram_and_series() -> None:
    src = open_source("demo")
    try:
        ctx = GatherContext(scope=Scope(), source=src, source_spec="demo")
        reg = default_registry(("dropwizard.cdr.gatherers",))
        durations = reg.run("cdr.durations", ctx)
        providers = reg.run("cdr.providers", ctx)
    finally:
        src.close()
    hist = durations.data["histogram"]
    assert durations.facts["pattern"] in ("band", "spike")
    peak = max(hist, key=lambda b: b["count"])
    start = durations.facts.get("band_start_s", durations.facts.get("spike_s"))
    assert peak["start_s"] <= start + 60
    assert sum(b["count"] for b in hist) >= durations.facts["drops"] // 10
    series = providers.data["series"]
    assert providers.data["where"] == providers.facts["top_gateway"]
    assert sum(p["rejected"] for p in series) > 0
    assert all(p["attempts"] >= p["rejected"] for p in series)
