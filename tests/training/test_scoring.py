"""Golden tests of the scoring rules: each case is a walk and the exact score it earns."""

from __future__ import annotations

import pytest

from dropwizard.training.scoring import Decision, ScoringRules, score, time_points

RULES = ScoringRules()


def d(
    node: str, expected: str | None, *attempts: str, hints: int = 0, seconds: float = 10
) -> Decision:
    return Decision(
        node=node, expected=expected, attempts=list(attempts), hints=hints, seconds=seconds
    )


GOLDEN = [
    # (name, decisions, diagnosis reached, total, maximum)
    ("perfect walk", [d("a", "x", "x"), d("b", "y", "y"), d("c", "z", "z")], True, 60, 60),
    ("one retry", [d("a", "x", "q", "x"), d("b", "y", "y"), d("c", "z", "z")], True, 55, 60),
    ("two retries on one node", [d("a", "x", "q", "r", "x"), d("b", "y", "y")], True, 40, 50),
    (
        "three retries floor at zero",
        [d("a", "x", "q", "r", "s", "x"), d("b", "y", "y")],
        True,
        40,
        50,
    ),
    ("wrong branch kept", [d("a", "x", "x"), d("b", "y", "w"), d("c", "z", "z")], False, 30, 60),
    ("hints cost", [d("a", "x", "x", hints=2), d("b", "y", "y", hints=1)], True, 41, 50),
    ("free choice is not judged", [d("a", None, "p"), d("b", "y", "y")], True, 40, 40),
    ("nothing right, never negative", [d("a", "x", "q", hints=5)], False, 0, 40),
]


@pytest.mark.parametrize(
    ("name", "decisions", "reached", "total", "maximum"), GOLDEN, ids=[g[0] for g in GOLDEN]
)
def test_golden(
    name: str, decisions: list[Decision], reached: bool, total: int, maximum: int
) -> None:
    s = score(decisions, reached, RULES)
    assert (s.total, s.maximum) == (total, maximum)


def test_breakdown_of_a_mixed_walk() -> None:
    walk = [
        d("start", "gateway", "gateway", seconds=20),
        d("step1", "cause102", "cause34", "cause102", hints=1, seconds=100),
        d("step2", "spike", "random", seconds=80),
    ]
    s = score(walk, False, RULES)
    assert s.judged == 3
    assert s.correct == 2
    assert s.first_try == 1
    assert s.wrong_attempts == 2
    assert s.decision_points == 10 + 5
    assert s.hint_penalty == 3
    assert s.diagnosis_points == 0
    # 200 s for 3 decisions: par 270 s, full time points
    assert s.time_points == 10
    assert s.total == 22
    assert s.maximum == 60
    assert s.percent == 37
    assert s.lines()[-1] == "score: 22/60 (37 %)"


@pytest.mark.parametrize(
    ("seconds", "judged", "points"),
    [
        (0, 1, 10),
        (90, 1, 10),
        (91, 1, 9),
        (180, 1, 5),
        (269, 1, 0),
        (270, 1, 0),
        (1000, 1, 0),
        (360, 4, 10),
        (540, 4, 7),
        (1080, 4, 0),
        (0, 0, 10),
    ],
)
def test_time_points(seconds: float, judged: int, points: int) -> None:
    assert time_points(seconds, judged, RULES) == points


def test_slow_walk_loses_time_points_only() -> None:
    fast = score([d("a", "x", "x", seconds=30)], True, RULES)
    slow = score([d("a", "x", "x", seconds=180)], True, RULES)
    assert fast.total - slow.total == 5
    assert slow.decision_points == fast.decision_points


def test_custom_rules() -> None:
    rules = ScoringRules(
        decision_points=4, wrong_attempt_cost=1, hint_cost=2, diagnosis_points=0, time_points=0
    )
    s = score([d("a", "x", "q", "x", hints=1), d("b", "y", "y")], True, rules)
    assert (s.total, s.maximum) == (3 + 4 - 2, 8)


def test_extra_hints_count() -> None:
    s = score([d("a", "x", "x")], True, RULES, extra_hints=2)
    assert s.hints == 2 and s.total == 40 - 6
