"""Rejection bursts placed to the minute, whatever the timeline's bucket."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from cdrdays import DAY, duck, rows_for

from dropwizard.cdr.bursts import best_window
from dropwizard.cdr.service import analyse
from dropwizard.cli import main
from dropwizard.scope import Scope


def test_best_window_is_the_run_with_most_rejections_above_the_rate() -> None:
    quiet = [(m, 10, 1) for m in range(0, 30)]
    burst = [(m, 10, 6) for m in range(30, 45)]
    after = [(m, 10, 0) for m in range(45, 60)]
    assert best_window(quiet + burst + after, 0.3) == (30, 44)
    # a quiet minute inside the burst does not split it; an empty minute counts as zero
    holed = [*burst[:5], (35, 10, 0), *burst[6:10]]
    assert best_window(quiet + holed + after, 0.3) == (30, 39)
    assert best_window([(m, 10, 1) for m in range(10)], 0.3) is None
    assert best_window([], 0.3) is None


def test_a_single_stray_rejection_far_away_does_not_widen_the_window() -> None:
    minutes = [(5, 2, 2)] + [(m, 10, 0) for m in range(6, 30)] + [(m, 10, 7) for m in (30, 31)]
    assert best_window(minutes, 0.35) == (30, 31)


def _window(a, gateway: str) -> tuple[datetime, datetime]:
    f = next(f for f in a.findings if f.id == "provider_rejection" and f.gateway == gateway)
    w = f.data["window"]
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return parse(w["start"]), parse(w["end"])


@pytest.mark.parametrize(
    ("gateway", "window", "rate", "seed"),
    [
        ("PRV-TeleCC-Direct", ("14:00", "15:10"), 0.55, 31),
        ("PRV-Orion-Premium", ("11:07", "12:22"), 0.5, 32),
        ("PRV-Vox-Backup", ("09:41", "10:53"), 0.7, 33),
        ("PRV-Bharti-CLI", ("19:26", "20:04"), 0.8, 34),
    ],
)
def test_burst_window_edges_are_found_to_the_minute(gateway, window, rate, seed) -> None:
    fault = {"type": "provider_503_burst", "gateway": gateway, "params": {"rate": rate}}
    src = duck(rows_for(seed, [{**fault, "window": window}], calls=15000))
    since = datetime.combine(DAY, datetime.min.time(), tzinfo=timezone.utc)
    scope = Scope(kind="window", since=since, until=since.replace(hour=23, minute=59))
    a = analyse(src, scope, minute_bursts=True)
    start, end = _window(a, gateway)
    coarse = _window(analyse(src, scope), gateway)
    assert all(t.minute % 15 == 0 for t in coarse)  # the timeline's own buckets
    planted = [since.replace(hour=int(t[:2]), minute=int(t[3:])) for t in window]
    # the timeline's buckets are 15 min here: unrefined edges would be up to 15 min off; a route
    # with one or two attempts a minute (PRV-Bharti-CLI at night) only shows its edges to a few
    # minutes (19:26-19:29 hold 3 attempts, 1 rejected)
    slack = 240 if gateway == "PRV-Bharti-CLI" else 120
    assert abs((start - planted[0]).total_seconds()) <= slack
    assert abs((end - planted[1]).total_seconds()) <= 180
    assert start.second == end.second == 0


def test_analyze_places_bursts_to_the_minute_on_request(capsys) -> None:
    import json

    main(["analyze", "--source", "demo", "--format", "json"])
    coarse = json.loads(capsys.readouterr().out)
    main(["analyze", "--source", "demo", "--format", "json", "--burst-minutes"])
    fine = json.loads(capsys.readouterr().out)

    def window(rep: dict) -> dict:
        f = next(f for f in rep["findings"] if f["id"] == "provider_rejection")
        return f["data"]["window"]

    assert window(coarse) == {"start": "2026-11-27T14:00:00Z", "end": "2026-11-27T15:15:00Z"}
    assert window(fine) == {"start": "2026-11-27T14:00:00Z", "end": "2026-11-27T15:10:00Z"}
