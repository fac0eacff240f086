"""The walk through a flow: enter a node, gather evidence, propose a route, accept a choice.

Every step is a transcript event handed to `emit(type, fields)` (docs/transcript.md), and
`Engine.replay` rebuilds the same state from those events without running any gatherer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dropwizard.diagnosis.finding import Finding
from dropwizard.errors import InputError
from dropwizard.evidence import Evidence, Status
from dropwizard.gather import GatherContext, Registry
from dropwizard.wizard.condition import UNDECIDED, ConditionError
from dropwizard.wizard.model import Flow, Node, Option
from dropwizard.wizard.template import format_value

Emit = Callable[[str, dict[str, Any]], Any]
_NODE_EVENTS = ("node_entered", "evidence", "proposal", "choice", "note", "finding")


class EngineError(InputError):
    """A step the flow does not allow (an unknown option, a node never visited)."""


@dataclass
class Proposal:
    """What the evidence supports at a node, and why; `option` is None when the operator decides."""

    option: str | None
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)

    def to_fields(self, node: str) -> dict[str, Any]:
        return {
            "node": node,
            "option": self.option,
            "reason": self.reason,
            "facts": dict(self.facts),
            "undecided": list(self.undecided),
        }

    def cites_evidence(self) -> bool:
        """True when a fact behind the proposal came from gathered evidence (not the scope)."""
        return any(
            name not in ENGINE_FACTS and not name.startswith("scope.") for name in self.facts
        )


@dataclass
class Step:
    """One decision taken: at `node`, `option` was chosen `by` operator/proposal/answers/default."""

    node: str
    option: str
    proposal: Proposal | None
    by: str
    overridden: bool = False
    reason: str | None = None


ENGINE_FACTS: frozenset[str] = frozenset({"source.kind", "capture.present"})
"""Facts the engine provides from the session itself; with `scope.*` they are not evidence."""


def _scope_facts(ctx: GatherContext) -> dict[str, Any]:
    scope = ctx.scope
    facts: dict[str, Any] = {
        "scope.kind": scope.kind,
        "scope.gateway": scope.gateway,
        "scope.number": scope.number,
    }
    for key, value in scope.to_dict().items():
        facts.setdefault(f"scope.{key}", value)
    kind = getattr(ctx.source, "kind", None) if ctx.source is not None else None
    facts["source.kind"] = kind or "none"
    facts["capture.present"] = bool(ctx.capture_path)
    return facts


class Engine:
    """A walk through one flow (docs/engine-api.md)."""

    def __init__(
        self,
        flow: Flow,
        registry: Registry,
        ctx: GatherContext | None = None,
        emit: Emit | None = None,
    ) -> None:
        self.flow = flow
        self.registry = registry
        self.ctx = ctx if ctx is not None else GatherContext(flow=flow)
        if self.ctx.flow is None:
            self.ctx.flow = flow
        self.emit_fn = emit
        self.current: Node | None = None
        self.path: list[Step] = []
        self.evidence: dict[str, list[Evidence]] = {}
        self.namespace: dict[str, Any] = _scope_facts(self.ctx)
        self.notes: list[tuple[str, str]] = []
        self.proposal: Proposal | None = None
        """The proposal made at the current visit of the current node (None until propose)."""
        self.ended: str | None = None
        """The outcome once an `end` event was emitted."""
        self.was_finished = False
        """After `replay`: the transcript already held an `end` (not undone by a step back)."""
        self._findings: list[tuple[int, Finding, list[dict[str, Any]]]] = []
        self._listeners: list[Emit] = []

    # --- listeners ---------------------------------------------------------------------

    def add_listener(self, fn: Emit) -> None:
        """Call `fn(type, fields)` for every event emitted from now on, after the transcript's emit.

        Listeners run in the thread that emitted the event (a gather worker for `evidence`).
        Adding the same listener twice has no effect.
        """
        if fn not in self._listeners:
            self._listeners.append(fn)

    def remove_listener(self, fn: Emit) -> None:
        """Stop calling `fn`; removing a listener that was never added is a no-op."""
        if fn in self._listeners:
            self._listeners.remove(fn)

    # --- state -------------------------------------------------------------------------

    @property
    def findings(self) -> list[Finding]:
        return [f for _, f, _ in self._findings]

    @property
    def finding_fixes(self) -> list[tuple[Finding, list[dict[str, Any]]]]:
        """Each finding with the flow's fixes shown for it."""
        return [(f, fixes) for _, f, fixes in self._findings]

    @property
    def finished(self) -> bool:
        return self.current is not None and self.current.is_leaf

    def options(self) -> list[Option]:
        """The ways out of the current node."""
        return self.current.ways_out() if self.current else []

    def _emit(self, type_: str, fields: dict[str, Any]) -> None:
        if self.emit_fn is not None:
            self.emit_fn(type_, fields)
        for listener in tuple(self._listeners):
            listener(type_, fields)

    def _need_current(self) -> Node:
        if self.current is None:
            raise EngineError("the walk has not started")
        return self.current

    # --- walking -----------------------------------------------------------------------

    def start(self) -> Node:
        """Enter the flow's start node."""
        self._enter(self.flow.start)
        return self._need_current()

    def _enter(self, node_id: str) -> None:
        node = self.flow.node(node_id)
        self.current = node
        self.proposal = None
        self.evidence[node.id] = []
        self._emit("node_entered", {"node": node.id, "title": node.title})
        self._after_enter(node)

    def _after_enter(self, node: Node) -> None:
        if node.type == "finding" and node.finding:
            finding, fixes = self._build_finding(node)
            self._findings.append((len(self.path), finding, fixes))
            self._emit("finding", {"node": node.id, "finding": finding.to_dict(), "fixes": fixes})
        if node.is_leaf:
            self.ended = "diagnosed" if self._findings else "resolved"
            self._emit("end", {"node": node.id, "outcome": self.ended})

    def missing_gatherers(self) -> list[str]:
        """Gatherers of the current node not yet run during this visit."""
        node = self._need_current()
        done = {ev.name for ev in self.evidence.get(node.id, [])}
        return [g for g in node.gather if g not in done]

    def gather(self, names: Iterable[str] | None = None) -> list[Evidence]:
        """Run the current node's gatherers (or `names` of them), one `evidence` event each.

        Stops running gatherers once `ctx.cancel` is set; the rest are recorded as skipped.
        """
        node = self._need_current()
        wanted = list(node.gather if names is None else names)
        got: list[Evidence] = []
        for name in wanted:
            if self.ctx.cancel.is_set():
                ev = Evidence(
                    name=name,
                    kind="internal",
                    asked=name,
                    status=Status.SKIPPED,
                    summary="cancelled before it started",
                )
            else:
                ev = self.registry.run(name, self.ctx)
            self._add_evidence(node.id, ev)
            self._emit("evidence", {"node": node.id, "evidence": ev.to_dict()})
            got.append(ev)
        self.proposal = None
        return got

    def _add_evidence(self, node_id: str, ev: Evidence) -> None:
        items = self.evidence.setdefault(node_id, [])
        items[:] = [e for e in items if e.name != ev.name]
        items.append(ev)
        prefix = f"{ev.name}."
        for key in [k for k in self.namespace if k.startswith(prefix)]:
            del self.namespace[key]
        self.namespace.update(ev.namespaced_facts())
        self.namespace[f"{ev.name}.status"] = ev.status.value

    def evaluate_options(self) -> Proposal:
        """Work out the proposal at the current node without emitting anything."""
        node = self._need_current()
        ns = self.namespace
        facts: dict[str, Any] = {}
        undecided: list[str] = []
        problems: list[str] = []
        any_when = False
        for opt in node.ways_out():
            if opt.id == "continue" and node.type == "finding":
                return Proposal(opt.id, f"the finding is recorded; the walk goes on to {opt.next}")
            if opt.condition is None:
                continue
            any_when = True
            for name in opt.condition.names:
                if name in ns:
                    facts[name] = ns[name]
            try:
                result = opt.condition.holds(ns)
            except ConditionError as exc:
                problems.append(f"option {opt.id}: {exc}")
                return Proposal(None, self._ask_reason(undecided, problems), facts, undecided)
            if result is UNDECIDED:
                for name in opt.condition.missing(ns):
                    if name not in undecided:
                        undecided.append(name)
                return Proposal(None, self._ask_reason(undecided, problems), facts, undecided)
            if result:
                return Proposal(opt.id, self._because(opt, facts), facts, undecided)
        if not any_when:
            return Proposal(None, "this is the operator's call: no evidence decides it", facts)
        return Proposal(None, "the evidence supports none of the options", facts, undecided)

    def _ask_reason(self, undecided: list[str], problems: list[str]) -> str:
        if problems:
            return "the evidence could not be read (" + "; ".join(problems) + ")"
        parts = []
        for name in undecided:
            gatherer = name.rsplit(".", 1)[0]
            status = self.namespace.get(f"{gatherer}.status")
            if status and status != "ok":
                parts.append(f"{name} ({gatherer} came out {status})")
            else:
                parts.append(name)
        return "evidence is missing: " + ", ".join(parts)

    def _because(self, opt: Option, facts: dict[str, Any]) -> str:
        if opt.template is not None:
            for name in opt.template.names:
                if name in self.namespace:
                    facts[name] = self.namespace[name]
            return str(opt.template.render(self.namespace))
        shown = ", ".join(f"{k} = {format_value(v, '')}" for k, v in facts.items())
        return f"{opt.when} holds" + (f" ({shown})" if shown else "")

    def propose(self) -> Proposal:
        """Evaluate the routes of the current node; emits `proposal`."""
        node = self._need_current()
        prop = self.evaluate_options()
        self.proposal = prop
        fields = prop.to_fields(node.id)
        opt = node.option(prop.option) if prop.option else None
        if opt is not None:
            fields["label"] = opt.label
        self._emit("proposal", fields)
        return prop

    def choose(self, option_id: str, by: str = "operator", reason: str | None = None) -> Node:
        """Take an option of the current node; emits choice (+ override) and enters the next node."""
        node = self._need_current()
        if self.finished:
            raise EngineError(f"the walk ended at {node.id}; go back to change a decision")
        opt = node.option(option_id)
        if opt is None:
            names = ", ".join(o.id for o in node.ways_out()) or "none"
            raise EngineError(f"node {node.id} has no option {option_id!r} (options: {names})")
        prop = self.proposal
        overridden = bool(prop and prop.option and prop.option != opt.id)
        if overridden:
            assert prop is not None
            self._emit(
                "override",
                {"node": node.id, "proposed": prop.option, "chosen": opt.id, "reason": reason},
            )
        self._emit(
            "choice",
            {"node": node.id, "option": opt.id, "next": opt.next, "by": by, "label": opt.label},
        )
        self.path.append(Step(node.id, opt.id, prop, by, overridden, reason))
        self._enter(opt.next)
        return self._need_current()

    def visited(self) -> list[str]:
        """Node ids of the path, the current one last."""
        out = [s.node for s in self.path]
        if self.current is not None:
            out.append(self.current.id)
        return out

    def back(self, to: str | None = None) -> Node:
        """One step back, or back to the last visit of node `to`; emits `back`."""
        node = self._need_current()
        if not self.path:
            raise EngineError("already at the first node")
        if to is None:
            index = len(self.path) - 1
        else:
            hits = [i for i, s in enumerate(self.path) if s.node == to]
            if not hits:
                raise EngineError(f"node {to!r} was not visited on this walk")
            index = hits[-1]
        target = self.path[index].node
        self._emit("back", {"from": node.id, "to": target})
        self._rewind(index)
        return self._need_current()

    def _rewind(self, index: int) -> None:
        target = self.path[index]
        del self.path[index:]
        self.current = self.flow.node(target.node)
        self.proposal = target.proposal
        self._findings = [f for f in self._findings if f[0] <= index]
        self.ended = None

    def note(self, text: str) -> None:
        """Record an operator note at the current node; emits `note`."""
        node = self._need_current()
        self.notes.append((node.id, text))
        self._emit("note", {"node": node.id, "text": text})

    # --- findings ----------------------------------------------------------------------

    def _build_finding(self, node: Node) -> tuple[Finding, list[dict[str, Any]]]:
        spec = self.flow.findings[node.finding or ""]
        fixes = []
        for fix in spec.fixes:
            if fix.condition is not None:
                try:
                    if fix.condition.holds(self.namespace) is False:
                        continue
                except ConditionError:
                    pass
            fixes.append(fix)
        reasons = [
            s.proposal.reason
            for s in self.path
            if s.proposal
            and s.proposal.option == s.option
            and s.proposal.reason
            and s.proposal.cites_evidence()
        ]
        finding = Finding(
            id=spec.id,
            title=spec.title or node.title,
            severity=spec.severity,
            recommendations=[f.label() for f in fixes],
            evidence=reasons,
            data={"category": spec.category},
        )
        detected = self._detected(spec.id)
        if detected:
            finding.confidence = float(detected.get("confidence", finding.confidence))
            for key in ("gateway", "side"):
                if detected.get(key) is not None:
                    setattr(finding, key, detected[key])
            finding.calls = int(detected.get("calls") or 0)
            measured = [s for s in detected.get("evidence") or [] if isinstance(s, str)]
            finding.evidence = list(dict.fromkeys(measured + finding.evidence))
            if isinstance(detected.get("data"), Mapping):
                finding.data.update(detected["data"])
        return finding, [f.to_dict() for f in fixes]

    def _detected(self, finding_id: str) -> dict[str, Any] | None:
        """The newest detector finding with this id in any gathered evidence."""
        best = None
        for items in self.evidence.values():
            for ev in items:
                for d in (ev.data or {}).get("findings") or []:
                    if isinstance(d, Mapping) and d.get("id") == finding_id:
                        best = dict(d)
        return best

    # --- replay ------------------------------------------------------------------------

    @classmethod
    def replay(
        cls,
        flow: Flow,
        registry: Registry,
        ctx: GatherContext | None,
        events: Iterable[Mapping[str, Any]],
        emit: Emit | None = None,
    ) -> Engine:
        """Rebuild a walk from transcript events without running gatherers.

        When the events stop between a `choice` and the node it leads to (a crash), the
        missing `node_entered` (and `finding` / `end`) are emitted through `emit` now.
        """
        eng = cls(flow, registry, ctx, emit=None)
        pending: str | None = None
        entered_at = -1
        previous: Mapping[str, Any] = {}
        override: Mapping[str, Any] | None = None
        """An `override` written before its `choice` (the order since overrides come first)."""
        for ev in events:
            kind = ev.get("type")
            before, previous = previous, ev
            node_id = ev.get("node")
            if kind in _NODE_EVENTS and node_id not in flow:
                raise EngineError(
                    f"the transcript names node {node_id!r}, which flow {flow.id} lacks "
                    "(the flow changed since the session started)"
                )
            if kind == "node_entered":
                eng.current = flow.node(node_id)
                eng.proposal = None
                eng.evidence[node_id] = []
                pending = None
                entered_at = len(eng.path)
            elif kind == "evidence":
                eng._add_evidence(node_id, Evidence.from_dict(ev.get("evidence") or {}))
                eng.proposal = None
            elif kind == "proposal":
                eng.proposal = Proposal(
                    ev.get("option"),
                    ev.get("reason") or "",
                    dict(ev.get("facts") or {}),
                    list(ev.get("undecided") or []),
                )
            elif kind == "choice":
                step = Step(node_id, ev["option"], eng.proposal, ev.get("by", "operator"))
                if override is not None and override.get("node") == node_id:
                    step.overridden = True
                    step.reason = override.get("reason")
                override = None
                eng.path.append(step)
                pending = ev.get("next") or flow.node(node_id).option(ev["option"]).next  # type: ignore[union-attr]
            elif kind == "override":
                after_choice = before.get("type") == "choice" and before.get("node") == node_id
                if after_choice and eng.path:
                    eng.path[-1].overridden = True
                    eng.path[-1].reason = ev.get("reason")
                else:
                    override = ev
            elif kind == "note":
                eng.notes.append((node_id, ev.get("text", "")))
            elif kind == "finding":
                data = ev.get("finding") or {}
                eng._findings.append(
                    (len(eng.path), Finding.from_dict(data), list(ev.get("fixes") or []))
                )
            elif kind == "end":
                eng.ended = ev.get("outcome")
            elif kind == "back":
                target = ev.get("to")
                hits = [i for i, s in enumerate(eng.path) if s.node == target]
                if hits:
                    eng._rewind(hits[-1])
                pending = None
                override = None
        eng.was_finished = eng.ended is not None
        eng.emit_fn = emit
        if pending is not None:
            eng._enter(pending)
        elif override is not None and eng.current is not None and pending is None:
            eng._finish_override(override)
        elif eng.current is not None and entered_at == len(eng.path):
            eng._repair_leaf()
        return eng

    def _finish_override(self, override: Mapping[str, Any]) -> None:
        """Write the `choice` a crash cut off after its `override`, and go on to its node."""
        node = self._need_current()
        chosen = override.get("chosen")
        opt = node.option(chosen) if isinstance(chosen, str) else None
        if override.get("node") != node.id or opt is None or self.finished:
            return
        self._emit(
            "choice",
            {
                "node": node.id,
                "option": opt.id,
                "next": opt.next,
                "by": "operator",
                "label": opt.label,
            },
        )
        self.path.append(
            Step(node.id, opt.id, self.proposal, "operator", True, override.get("reason"))
        )
        self._enter(opt.next)

    def _repair_leaf(self) -> None:
        """Emit the finding / end a crash cut off after the current node was entered."""
        node = self._need_current()
        if node.type == "finding" and node.finding:
            here = [f for f in self._findings if f[0] == len(self.path)]
            if not here:
                finding, fixes = self._build_finding(node)
                self._findings.append((len(self.path), finding, fixes))
                self._emit(
                    "finding", {"node": node.id, "finding": finding.to_dict(), "fixes": fixes}
                )
        if node.is_leaf and self.ended is None:
            self.ended = "diagnosed" if self._findings else "resolved"
            self._emit("end", {"node": node.id, "outcome": self.ended})
