"""Walk a scenario without a screen: from an answers file, or following the evidence."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dropwizard.training.answers import Answers
from dropwizard.training.run import Judgement, TrainingRun

MAX_STEPS = 200
"""A walk longer than this is a loop in the answers; it stops there."""


@dataclass
class Outcome:
    """What a headless walk did: every judgement, and where and why it stopped."""

    judgements: list[Judgement] = field(default_factory=list)
    hints: list[tuple[str, str]] = field(default_factory=list)
    stopped: str | None = None
    """Why the walk stopped before a leaf (no answer for a node, too many steps), or None."""


def walk_answers(
    run: TrainingRun, answers: Answers, on_event: Callable[[str, Any], None] | None = None
) -> Outcome:
    """Choose at each node what the answers say; a list retries after each wrong attempt."""
    out = Outcome()
    emit = on_event or (lambda kind, payload: None)
    if run.engine.current is None:
        run.start()
    visits: dict[str, int] = {}
    for _ in range(MAX_STEPS):
        if run.finished:
            return out
        node = run.current
        for _h in range(answers.hints.get(node.id, 0) if visits.get(node.id, 0) == 0 else 0):
            text = run.hint()
            out.hints.append((node.id, text))
            emit("hint", (node.id, text))
        visits[node.id] = visits.get(node.id, 0) + 1
        choices = answers.choices.get(node.id)
        if not choices:
            out.stopped = f"no answer for node {node.id!r} ({node.title}): the walk stops here"
            return out
        for i, option in enumerate(choices):
            j = run.choose(option, by="answers")
            out.judgements.append(j)
            emit("judgement", j)
            if j.correct is False and i < len(choices) - 1:
                run.retry()
                continue
            break
    out.stopped = f"more than {MAX_STEPS} steps: the answers loop"
    return out


def follow_evidence(run: TrainingRun) -> Iterator[Judgement]:
    """Accept at every node the option the evidence supports (or the scenario's answer, or the
    node's default when nothing decides): the model walk of a scenario."""
    if run.engine.current is None:
        run.start()
    for _ in range(MAX_STEPS):
        if run.finished:
            return
        node = run.current
        option = run.model_answer() or node.default
        if option is None:
            return
        yield run.choose(option, by="proposal")


def timed_clock(step: float = 0.0) -> Callable[[], float]:
    """A clock for scripted runs: real time, or a fixed step per reading when step > 0."""
    if step <= 0:
        return time.monotonic
    state = {"t": 0.0}

    def tick() -> float:
        state["t"] += step
        return state["t"]

    return tick
