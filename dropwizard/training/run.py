"""A training run: the real engine on a scenario's data, with the proposal hidden until the trainee
chooses, a judgement per choice, hints that cost points, retries, a score and a trainer report.

```python
run = TrainingRun.open(find_scenario("rtp-nat-no-proxy"))
node = run.start()                 # first node with its evidence gathered
run.evidence()                     # what the trainee sees (no proposal)
j = run.choose("cause102")         # Judgement(correct, supported_option, why, points, ...)
if not j.correct: run.retry()      # back to the node, choose again (the wrong attempt is kept)
run.hint()                         # next hint text for the current node (costs points)
run.finished, run.score(), run.report_markdown()
```
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from dropwizard.errors import InputError
from dropwizard.evidence import Evidence, utc_now_iso
from dropwizard.scope import CALL_WINDOW, Scope
from dropwizard.training import glossary
from dropwizard.training.report import Attempt, DecisionRecord, EvidenceShown, render
from dropwizard.training.scenario import Scenario
from dropwizard.training.scoring import Decision, Score, ScoringRules
from dropwizard.training.scoring import score as compute_score

CONTINUE = "continue"
GENERIC_HINTS = (
    "Read the evidence summaries first: which one stands out as warn or fail?",
    "Re-read the node's question and match it to the facts shown, one option at a time.",
)
FACTS_SHOWN = 8
"""Facts per evidence record kept in the trainer report."""


@dataclass
class Judgement:
    """The verdict on one choice, shown right after the trainee chose."""

    node: str
    chosen: str
    chosen_label: str
    correct: bool | None
    """True/False when the evidence (or the scenario) settles the node; None when it does not."""
    supported_option: str | None
    supported_label: str | None
    why: str
    """In the node's own words: the reason its `because` text gives for the supported option."""
    points: int
    """Points this decision is worth as it stands (0 while it is wrong)."""
    next_node: str | None = None
    explain: str = ""
    """The node's `explain` text (what the step teaches)."""


def scenario_scope(sc: Scenario) -> Scope:
    """The scenario's scope with the dataset's day filled in where it gives no times."""
    s = sc.scope
    if s.kind == "call" and s.at is not None:
        return Scope(
            kind="call",
            number=s.number,
            at=s.at,
            since=s.since or s.at - CALL_WINDOW,
            until=s.until or s.at + CALL_WINDOW,
            gateway=s.gateway,
        )
    day = date.fromisoformat(sc.dataset.day)
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return Scope(
        kind=s.kind,
        since=s.since or (None if s.kind == "call" else start),
        until=s.until or (None if s.kind == "call" else start + timedelta(days=1)),
        gateway=s.gateway,
        number=s.number,
        at=s.at,
    )


def open_scenario_source(sc: Scenario) -> Any:
    """A CDR source over the rows the demo generator makes for the scenario's dataset."""
    from dropwizard.cdr import demo
    from dropwizard.cdr.duck import DuckSource

    rows = demo.generate(**sc.dataset.generate_kwargs())
    cols = demo.GENERATED
    return DuckSource.from_tuples(
        [tuple(r.get(c) for c in cols) for r in rows], cols, label=f"scenario {sc.id}", kind="demo"
    )


def scenario_context(
    sc: Scenario, *, config: Any = None, flow: Any = None, source: Any = None
) -> Any:
    """A GatherContext over the scenario: generated CDRs (or `source`, already opened over
    them), the recorded host, the capture."""
    from dropwizard.gather import GatherContext
    from dropwizard.probes.host import RecordedHost

    host = RecordedHost(sc.host_dir) if sc.host_dir else None
    return GatherContext(
        scope=scenario_scope(sc),
        source=source if source is not None else open_scenario_source(sc),
        source_spec=f"scenario:{sc.id}",
        host=host,
        capture_path=str(sc.capture) if sc.capture else None,
        config=config,
        flow=flow,
        params=dict(sc.params),
    )


@dataclass
class _Visit:
    record: DecisionRecord
    proposal: Any = None
    presented_at: float | None = None
    hint_index: int = 0


@dataclass
class TrainingRun:
    """One trainee on one scenario. Build it with `TrainingRun.open(scenario)`."""

    scenario: Scenario
    engine: Any
    ctx: Any
    flow: Any
    rules: ScoringRules = field(default_factory=ScoringRules)
    clock: Callable[[], float] = time.monotonic
    trainee: str = ""
    emit: Callable[[str, dict[str, Any]], Any] | None = None
    started: str = field(default_factory=utc_now_iso)
    visits: list[_Visit] = field(default_factory=list)
    _current: _Visit | None = None
    _last_wrong: tuple[_Visit, str] | None = None
    owns_source: bool = True

    @classmethod
    def open(
        cls,
        scenario: Scenario,
        *,
        config: Any = None,
        rules: ScoringRules | None = None,
        clock: Callable[[], float] = time.monotonic,
        transcript: str | Path | None = None,
        registry: Any = None,
        trainee: str | None = None,
        source: Any = None,
    ) -> TrainingRun:
        """Load the scenario's flow, generate its CDRs, serve its recorded host; nothing runs on
        this machine. `source` reuses a source opened by `open_scenario_source` (it is not
        closed by `close()` then)."""
        from dropwizard.training.recorded import training_registry
        from dropwizard.training.scenario import scenario_flow
        from dropwizard.wizard.engine import Engine

        flow = scenario_flow(scenario, config)
        ctx = scenario_context(scenario, config=config, flow=flow, source=source)
        emit = None
        if transcript is not None:
            from dropwizard.transcript.log import TranscriptLog

            log = TranscriptLog.create(Path(transcript))
            emit = log.append
        who = trainee or _user()
        if emit is not None:
            emit(
                "session_started",
                {
                    "session_id": f"train-{scenario.id}-{int(time.time())}",
                    "flow": flow.id,
                    "flow_version": getattr(flow, "version", 1),
                    "flow_digest": getattr(flow, "digest", ""),
                    "source": ctx.source_spec,
                    "mode": "train",
                    "user": who,
                    "host": getattr(ctx.host, "name", "recorded"),
                    "version": _version(),
                },
            )
            emit("scope", {"scope": ctx.scope.to_dict()})
        reg = training_registry(scenario.host_dir, registry)
        engine = Engine(flow, reg, ctx, emit=emit)
        return cls(
            scenario=scenario,
            engine=engine,
            ctx=ctx,
            flow=flow,
            rules=rules or ScoringRules(),
            clock=clock,
            trainee=who,
            emit=emit,
            owns_source=source is None,
        )

    # -- walking -------------------------------------------------------------------------

    def start(self) -> Any:
        """Enter the first node and gather its evidence. Returns the node to decide."""
        self.engine.start()
        self._present()
        return self.engine.current

    @property
    def current(self) -> Any:
        return self.engine.current

    @property
    def finished(self) -> bool:
        return bool(self.engine.finished)

    def evidence(self) -> list[Evidence]:
        """The evidence of the current node, as gathered (the proposal stays hidden)."""
        self._ensure_presented()
        return list(self.engine.evidence.get(self.engine.current.id, []))

    def options(self) -> list[Any]:
        """The ways out of the current node."""
        return list(self.engine.current.ways_out())

    def choose(self, option_id: str, *, by: str = "operator") -> Judgement:
        """Take an option; the engine moves on. The judgement says whether the evidence supports it."""
        self._ensure_presented()
        node = self.engine.current
        opt = node.option(option_id)
        if opt is None:
            ids = ", ".join(o.id for o in node.ways_out())
            raise InputError(f"node {node.id!r} has no option {option_id!r} (options: {ids})")
        visit = self._current
        assert visit is not None
        rec = visit.record
        now = self.clock()
        if visit.presented_at is not None:
            rec.decision.seconds += max(0.0, now - visit.presented_at)
            visit.presented_at = None
        rec.decision.attempts.append(option_id)
        expected = rec.decision.expected
        correct = rec.decision.is_right(option_id)
        why = self._why(node, visit, option_id, correct)
        attempt = Attempt(option_id, opt.label, correct, why)
        rec.attempts.append(attempt)
        rec.timeline.append(attempt)
        self._reveal(visit, node)
        self.engine.choose(option_id, by=by)
        self._current = None
        self._last_wrong = (visit, node.id) if correct is False else None
        supported = visit.proposal.option if visit.proposal is not None else None
        sup_opt = node.option(expected) if expected else None
        judgement = Judgement(
            node=node.id,
            chosen=option_id,
            chosen_label=opt.label,
            correct=correct,
            supported_option=expected if expected is not None else supported,
            supported_label=sup_opt.label if sup_opt else None,
            why=why,
            points=self._decision_points(rec.decision),
            next_node=opt.next,
            explain=" ".join((node.explain or "").split()),
        )
        self._advance_through_findings()
        return judgement

    def retry(self) -> Any:
        """Go back to the node of the last wrong choice and decide it again."""
        if self._last_wrong is None:
            raise InputError("nothing to retry: the last choice was not a wrong one")
        visit, node_id = self._last_wrong
        self.engine.back(to=node_id)
        self._last_wrong = None
        self._current = visit
        self._present(visit)
        return self.engine.current

    def model_answer(self) -> str | None:
        """The option counted as right at the current node (for the model walk and for tests;
        a screen must not show it before the trainee chose)."""
        self._ensure_presented()
        visit = self._current
        return visit.record.decision.expected if visit is not None else None

    def can_retry(self) -> bool:
        return self._last_wrong is not None

    def hint(self) -> str:
        """The next hint for the current node; each one costs `rules.hint_cost` points."""
        self._ensure_presented()
        node = self.engine.current
        visit = self._current
        assert visit is not None
        texts = self.scenario.hints_for(node.id)
        node_hint = getattr(node, "hint", None)
        if node_hint:
            texts.append(" ".join(node_hint.split()))
        texts += list(GENERIC_HINTS)
        text = texts[min(visit.hint_index, len(texts) - 1)]
        visit.hint_index += 1
        visit.record.decision.hints += 1
        visit.record.hints.append(text)
        visit.record.timeline.append(text)
        if self.emit is not None:
            self.emit("hint", {"node": node.id, "text": text})
        return text

    def hints_left(self) -> int:
        """Distinct hints not yet shown for the current node."""
        if self._current is None:
            return 0
        node = self.engine.current
        n = len(self.scenario.hints_for(node.id)) + (1 if getattr(node, "hint", None) else 0)
        return max(0, n + len(GENERIC_HINTS) - self._current.hint_index)

    # -- results -------------------------------------------------------------------------

    def reached(self) -> list[str]:
        """Finding ids reached so far, in order."""
        return [f.id for f in self.engine.findings]

    def diagnosis_correct(self) -> bool:
        """The walk reached the true finding(s): all of them, or one for `match: any`."""
        found = {f.id for f in self.engine.findings}
        want = self.scenario.diagnosis
        hits = [fid for fid in want.findings if fid in found]
        return bool(hits) and (want.match == "any" or len(hits) == len(want.findings))

    def attribution(self) -> list[str]:
        """Where the evidence places a reached true finding elsewhere than the scenario's fault
        (a detector naming another gateway). Not the trainee's doing: it costs no points."""
        want = self.scenario.diagnosis
        out = []
        if not want.gateway:
            return out
        for f in self.engine.findings:
            if f.id in want.findings and f.gateway and f.gateway != want.gateway:
                out.append(
                    f"the evidence places {f.id} on gateway {f.gateway}, the planted fault is on "
                    f"{want.gateway}"
                )
        return out

    def decisions(self) -> list[Decision]:
        return [v.record.decision for v in self.visits if v.record.decision.attempts]

    def score(self) -> Score:
        return compute_score(self.decisions(), self.diagnosis_correct(), self.rules)

    @property
    def debrief(self) -> str:
        return self.scenario.debrief

    def records(self) -> list[DecisionRecord]:
        return [v.record for v in self.visits if v.record.decision.attempts]

    def report_markdown(self) -> str:
        """The trainer report: every decision with the evidence shown at that moment."""
        teaches = []
        for term in self.scenario.teaches:
            e = glossary.lookup(term)
            if e is not None:
                teaches.append((e.term, e.text, e.reference))
        return render(
            scenario_id=self.scenario.id,
            scenario_title=self.scenario.title,
            difficulty=self.scenario.difficulty,
            trainee=self.trainee,
            started=self.started,
            brief=self.scenario.brief,
            records=self.records(),
            reached=self.reached(),
            true_diagnosis=self.scenario.diagnosis.describe(),
            score=self.score(),
            rules=self.rules.describe(),
            debrief=self.scenario.debrief,
            teaches=teaches,
            notes=self.attribution(),
            scope=self.ctx.scope.describe(),
            path=self.engine.visited(),
            fixes=[
                (f"{f.title} (`{f.id}`)", list(f.recommendations)) for f in self.engine.findings
            ],
        )

    def close(self) -> None:
        """Close the generated source (unless it was handed in) and the transcript."""
        close = getattr(self.ctx.source, "close", None) if self.owns_source else None
        if close is not None:
            close()
        log = getattr(self.emit, "__self__", None)
        if log is not None and hasattr(log, "close") and not getattr(log, "closed", False):
            log.close()

    # -- internals -----------------------------------------------------------------------

    def _ensure_presented(self) -> None:
        if self.engine.finished:
            raise InputError("the walk is over: no node left to decide")
        if self._current is None:
            self._present()

    def _present(self, visit: _Visit | None = None) -> None:
        """Gather the current node's evidence, compute (and keep hidden) the proposal.

        A retried visit keeps the evidence and proposal it was first shown with.
        """
        self._advance_through_findings()
        if self.engine.finished:
            return
        node = self.engine.current
        if visit is None:
            evs = self.engine.gather() if node.gather else []
            proposal = self.engine.propose()
            expected, alternatives = _accepted(proposal.option, self.scenario.accepted(node.id))
            visit = _Visit(
                record=DecisionRecord(
                    decision=Decision(node=node.id, expected=expected, alternatives=alternatives),
                    title=node.title,
                    question=node.question or "",
                    evidence=[_shown(e) for e in evs],
                    answer_label=_label(node, expected) if expected else None,
                    also=[(a, _label(node, a)) for a in alternatives],
                    note=self.scenario.why.get(node.id, ""),
                ),
                proposal=proposal,
            )
            self.visits.append(visit)
        visit.presented_at = self.clock()
        self._current = visit

    def _advance_through_findings(self) -> None:
        """A finding node with `next` has one way on: take it without asking."""
        eng = self.engine
        while not eng.finished and eng.current.type == "finding":
            eng.choose(CONTINUE, by="proposal")

    def _reveal(self, visit: _Visit, node: Any) -> None:
        rec = visit.record
        p = visit.proposal
        if p is None or p.option is None:
            return
        opt = node.option(p.option)
        rec.proposal = p.option
        rec.proposal_label = opt.label if opt else p.option
        rec.proposal_reason = " ".join((p.reason or "").split())

    def _why(self, node: Any, visit: _Visit, chosen: str, correct: bool | None) -> str:
        """The verdict's reason: the evidence's `because` text for the option it supports, the
        scenario's `why` text where the scenario decides or accepts an alternative."""
        rec = visit.record
        p = visit.proposal
        reason = " ".join((p.reason or "").split()) if p is not None else ""
        supported = p.option if p is not None else None
        d = rec.decision
        note = rec.note
        if correct is None:
            undecided = ", ".join(getattr(p, "undecided", []) or [])
            base = "The evidence does not settle this step"
            base += f" (undecided: {undecided})." if undecided else "."
            return base
        if correct:
            if chosen == supported and reason:
                return reason
            return note or f"{_label(node, chosen)} is a right way on here."
        label = _label(node, d.expected) if d.expected else ""
        if supported is not None and supported == d.expected:
            text = (
                f"The evidence supports '{label}': {reason}"
                if reason
                else f"The evidence supports '{label}'."
            )
        else:
            text = f"The scenario's answer here is '{label}'."
        others = [f"'{_label(node, a)}'" for a in d.accepted[1:]]
        if others:
            text += f" Also accepted: {', '.join(others)}."
        return f"{text} {note}" if note else text

    def _decision_points(self, d: Decision) -> int:
        if not d.judged or not d.correct:
            return 0
        return max(0, self.rules.decision_points - self.rules.wrong_attempt_cost * d.wrong_attempts)


def _accepted(supported: str | None, scenario: list[str]) -> tuple[str | None, list[str]]:
    """(the answer, accepted alternatives) at a node: the scenario's options when it lists any
    (its first is the answer), with the evidence's option always among the accepted ones;
    otherwise the option the evidence supports."""
    if not scenario:
        return supported, []
    alternatives = list(scenario[1:])
    if supported is not None and supported not in scenario:
        alternatives.append(supported)
    return scenario[0], alternatives


def _label(node: Any, option_id: str) -> str:
    opt = node.option(option_id)
    return opt.label if opt is not None else option_id


def _shown(ev: Evidence) -> EvidenceShown:
    facts = dict(list(ev.facts.items())[:FACTS_SHOWN])
    return EvidenceShown(name=ev.name, status=ev.status.value, summary=ev.summary, facts=facts)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "trainee"


def _version() -> str:
    from dropwizard import __version__

    return __version__
