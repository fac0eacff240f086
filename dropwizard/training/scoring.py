"""Scoring rules of a training run: correct decisions, wrong turns, hints, time, diagnosis.

Rules (`ScoringRules`, all integers so scores are exact):
- a judged decision (one where the evidence, or the scenario, names the right option) is worth
  `decision_points`; each wrong attempt before a right one costs `wrong_attempt_cost`
  (never below 0 for the decision); a decision left on a wrong option scores 0; where a
  scenario accepts several options at a node, each of them is right;
- a decision the evidence does not settle is not judged and scores nothing either way;
- every hint costs `hint_cost`, wherever it was taken;
- reaching the scenario's true diagnosis is worth `diagnosis_points`;
- time is worth `time_points`: full within `par_seconds` per judged decision, falling linearly
  to 0 at three times par;
- the total never goes below 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScoringRules:
    decision_points: int = 10
    wrong_attempt_cost: int = 5
    hint_cost: int = 3
    diagnosis_points: int = 20
    time_points: int = 10
    par_seconds: int = 90

    def describe(self) -> list[str]:
        return [
            f"{self.decision_points} points per decision the evidence settles",
            f"-{self.wrong_attempt_cost} per wrong attempt before the right option",
            f"-{self.hint_cost} per hint",
            f"{self.diagnosis_points} points for reaching the true diagnosis",
            f"{self.time_points} points for time: full within {self.par_seconds} s per decision, "
            f"none at {3 * self.par_seconds} s",
        ]


@dataclass
class Decision:
    """What the trainee did at one node."""

    node: str
    expected: str | None
    """The option counted as right (the evidence's proposal or the scenario's answer);
    None when nothing settles the node."""
    attempts: list[str] = field(default_factory=list)
    hints: int = 0
    seconds: float = 0.0
    alternatives: list[str] = field(default_factory=list)
    """Other options counted as right as well (a scenario's accepted alternatives)."""

    @property
    def judged(self) -> bool:
        return self.expected is not None

    @property
    def accepted(self) -> list[str]:
        """Every option counted as right: the expected one first, then the alternatives."""
        if self.expected is None:
            return []
        return [self.expected, *(a for a in self.alternatives if a != self.expected)]

    def is_right(self, option: str) -> bool | None:
        """Whether choosing `option` is right here (None when the node is not judged)."""
        if not self.judged:
            return None
        return option in self.accepted

    @property
    def final(self) -> str | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def wrong_attempts(self) -> int:
        if not self.judged:
            return 0
        return sum(1 for a in self.attempts if a not in self.accepted)

    @property
    def correct(self) -> bool | None:
        """Whether the walk left this node on a right option (None when not judged)."""
        if not self.judged:
            return None
        return self.final in self.accepted

    @property
    def first_try(self) -> bool:
        return self.judged and bool(self.attempts) and self.attempts[0] in self.accepted


@dataclass
class Score:
    """The result of a run, with every part of the sum."""

    total: int
    maximum: int
    decisions: int
    judged: int
    correct: int
    first_try: int
    wrong_attempts: int
    hints: int
    seconds: float
    diagnosis_correct: bool
    decision_points: int
    hint_penalty: int
    diagnosis_points: int
    time_points: int

    @property
    def percent(self) -> int:
        return round(100 * self.total / self.maximum) if self.maximum else 0

    def lines(self) -> list[str]:
        """The breakdown, one line per part."""
        return [
            f"decisions: {self.correct}/{self.judged} right ({self.first_try} at the first try, "
            f"{self.wrong_attempts} wrong attempt(s)): {self.decision_points} points",
            f"hints: {self.hints} (-{self.hint_penalty})",
            f"diagnosis: {'reached' if self.diagnosis_correct else 'missed'}: "
            f"{self.diagnosis_points} points",
            f"time: {self.seconds:.0f} s: {self.time_points} points",
            f"score: {self.total}/{self.maximum} ({self.percent} %)",
        ]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["percent"] = self.percent
        return d


def time_points(seconds: float, judged: int, rules: ScoringRules) -> int:
    """Full points within par, linear down to 0 at three times par."""
    par = rules.par_seconds * max(judged, 1)
    if seconds <= par:
        return rules.time_points
    if seconds >= 3 * par:
        return 0
    return int(rules.time_points * (3 * par - seconds) // (2 * par))


def score(
    decisions: list[Decision],
    diagnosis_correct: bool,
    rules: ScoringRules | None = None,
    extra_hints: int = 0,
) -> Score:
    """Add up a run. `extra_hints` counts hints taken outside any recorded decision."""
    rules = rules or ScoringRules()
    judged = [d for d in decisions if d.judged]
    decision_pts = 0
    for d in judged:
        if d.correct:
            decision_pts += max(
                0, rules.decision_points - rules.wrong_attempt_cost * d.wrong_attempts
            )
    hints = sum(d.hints for d in decisions) + extra_hints
    hint_penalty = hints * rules.hint_cost
    seconds = sum(d.seconds for d in decisions)
    diag_pts = rules.diagnosis_points if diagnosis_correct else 0
    t_pts = time_points(seconds, len(judged), rules)
    maximum = len(judged) * rules.decision_points + rules.diagnosis_points + rules.time_points
    total = max(0, decision_pts - hint_penalty + diag_pts + t_pts)
    return Score(
        total=total,
        maximum=maximum,
        decisions=len(decisions),
        judged=len(judged),
        correct=sum(1 for d in judged if d.correct),
        first_try=sum(1 for d in judged if d.first_try),
        wrong_attempts=sum(d.wrong_attempts for d in judged),
        hints=hints,
        seconds=round(seconds, 1),
        diagnosis_correct=diagnosis_correct,
        decision_points=decision_pts,
        hint_penalty=hint_penalty,
        diagnosis_points=diag_pts,
        time_points=t_pts,
    )
