"""The trainer report: every decision with the evidence shown at that moment, as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dropwizard.training.scoring import Decision, Score


@dataclass
class EvidenceShown:
    """One evidence record as the trainee saw it before choosing."""

    name: str
    status: str
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Attempt:
    """One choice at a node, with the verdict the trainee then saw."""

    option: str
    label: str
    correct: bool | None
    why: str


@dataclass
class DecisionRecord:
    """A node visit: the question, the evidence, the hidden proposal, the attempts."""

    decision: Decision
    title: str
    question: str
    evidence: list[EvidenceShown] = field(default_factory=list)
    proposal: str | None = None
    proposal_label: str | None = None
    proposal_reason: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    answer_label: str | None = None
    """The label of the option counted as right (`decision.expected`)."""
    also: list[tuple[str, str]] = field(default_factory=list)
    """(option id, label) of the other options counted as right."""
    note: str = ""
    """The scenario's reason for its answer at this node (`why`)."""
    timeline: list[Attempt | str] = field(default_factory=list)
    """Attempts and hints (text) in the order they happened."""


def _cell(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    text = " ".join(text.split())
    if len(text) > 80:
        text = text[:77] + "..."
    return text.replace("|", "\\|")


def _mark(correct: bool | None) -> str:
    return {True: "right", False: "WRONG", None: "not judged"}[correct]


def render(
    *,
    scenario_id: str,
    scenario_title: str,
    difficulty: str,
    trainee: str,
    started: str,
    brief: str,
    records: list[DecisionRecord],
    reached: list[str],
    true_diagnosis: str,
    score: Score,
    rules: list[str],
    debrief: str,
    teaches: list[tuple[str, str, str]],
    notes: list[str] | None = None,
    scope: str = "",
    path: list[str] | None = None,
    fixes: list[tuple[str, list[str]]] | None = None,
) -> str:
    """The whole report. `teaches` holds (term, text, reference) from the glossary."""
    out: list[str] = [
        f"# Training report: {scenario_title}",
        "",
        f"- Scenario: `{scenario_id}` ({difficulty})",
        f"- Trainee: {trainee}",
        f"- Started: {started}",
        f"- Score: **{score.total}/{score.maximum} ({score.percent} %)**",
        f"- Scope: {scope or 'as the scenario sets it'}",
        f"- Path walked: {' -> '.join(path) if path else 'none'}",
        f"- True diagnosis: {true_diagnosis}",
        f"- Reached: {', '.join(reached) if reached else 'no finding'} "
        f"({'correct' if score.diagnosis_correct else 'not the true diagnosis'})",
    ]
    out += [f"- Note for the trainer: {n}" for n in notes or []]
    out += [
        "",
        "## Brief",
        "",
        brief.strip(),
        "",
        "## Decisions",
        "",
    ]
    for i, rec in enumerate(records, 1):
        d = rec.decision
        out += [f"### {i}. {rec.title} (`{d.node}`)", ""]
        if rec.question:
            out += [f"Question: {rec.question}", ""]
        if rec.evidence:
            out += [
                "Evidence shown:",
                "",
                "| gatherer | status | summary | facts |",
                "|---|---|---|---|",
            ]
            for ev in rec.evidence:
                facts = "; ".join(f"{k}={_cell(v)}" for k, v in ev.facts.items())
                out.append(
                    f"| {ev.name} | {ev.status} | {_cell(ev.summary)} | {_cell(facts) if facts else ''} |"
                )
            out.append("")
        else:
            out += ["Evidence shown: none (a question for the operator).", ""]
        n = 0
        for item in rec.timeline or [*rec.hints, *rec.attempts]:
            if isinstance(item, str):
                out.append(f"- Hint taken: {item}")
                continue
            n += 1
            out.append(
                f"- Attempt {n}: `{item.option}` ({item.label}): **{_mark(item.correct)}**. "
                f"{item.why}"
            )
        if rec.proposal:
            reason = f": {rec.proposal_reason}" if rec.proposal_reason else ""
            out.append(f"- Evidence supported: `{rec.proposal}` ({rec.proposal_label}){reason}")
            if d.expected and d.expected != rec.proposal:
                out.append(f"- The scenario's answer: `{d.expected}` ({rec.answer_label})")
        elif d.expected:
            out.append(f"- Evidence did not decide; the scenario's answer is `{d.expected}`")
        else:
            out.append("- Evidence did not decide; any option was accepted")
        also = [(o, label) for o, label in rec.also if o != rec.proposal]
        if also:
            out.append("- Also accepted: " + ", ".join(f"`{o}` ({label})" for o, label in also))
        if rec.note and d.expected:
            out.append(f"- Why: {rec.note}")
        out += [f"- Time: {d.seconds:.0f} s", ""]
    if fixes:
        out += ["## What the flow recommends for the finding reached", ""]
        for title, recs in fixes:
            out += [f"{title}:", ""] + [f"- {r}" for r in recs] + [""]
    out += ["## Score", ""]
    out += [f"- {line}" for line in score.lines()]
    out += ["", "Rules:", ""]
    out += [f"- {line}" for line in rules]
    out += ["", "## Debrief", "", debrief.strip(), ""]
    if teaches:
        out += ["## Glossary", ""]
        for term, text, ref in teaches:
            out += [f"- **{term}**: {text} ({ref})"]
        out.append("")
    return "\n".join(out)
