"""The engine: gathering, proposals, choices, overrides, back, notes, findings, replay."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from wizard_helpers import scripted_registry

from dropwizard.gather import GatherContext
from dropwizard.scope import Scope
from dropwizard.wizard.engine import Engine, EngineError
from dropwizard.wizard.model import Flow

CAUSE_102 = {"fake.causes": {"top_cause": 102, "top_cause_share": 0.37, "calls": 120}}
THREE_GATHERERS = {**CAUSE_102, "fake.durations": {"pattern": "spike"}, "fake.probe": {"x": 1}}


def three_gatherer_flow(tmp_path) -> Flow:
    """The mini flow with three gatherers at its `causes` node (THREE_GATHERERS scripts them)."""
    from wizard_helpers import FLOWS

    from dropwizard.wizard.loader import load_flow

    text = (
        (FLOWS / "mini.yaml")
        .read_text()
        .replace("gather: [fake.causes]", "gather: [fake.causes, fake.durations, fake.probe]")
    )
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return load_flow(path)


class Recorder:
    """An emit() that keeps events as the transcript would (JSON round trip)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, type_: str, fields: dict[str, Any]) -> None:
        event = {"seq": len(self.events) + 1, "ts": "t", "type": type_, **fields}
        self.events.append(json.loads(json.dumps(event)))

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def of(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == type_]


def engine_for(flow: Flow, script: dict[str, Any], scope: Scope | None = None):
    rec = Recorder()
    calls: list[str] = []
    ctx = GatherContext(scope=scope or Scope(), flow=flow)
    eng = Engine(flow, scripted_registry(script, calls), ctx, emit=rec)
    return eng, rec, calls


def test_start_emits_node_entered_and_scope_facts(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    node = eng.start()
    assert node.id == "start"
    assert rec.events == [
        {
            "seq": 1,
            "ts": "t",
            "type": "node_entered",
            "node": "start",
            "title": "What was reported?",
        }
    ]
    assert eng.namespace["scope.kind"] == "window"
    assert eng.namespace["source.kind"] == "none"
    assert eng.namespace["capture.present"] is False


def test_scope_decides_an_ask_node(mini: Flow) -> None:
    scope = Scope.for_call("8613800138000@2026-11-28T14:05")
    eng, rec, _ = engine_for(mini, CAUSE_102, scope)
    eng.start()
    prop = eng.propose()
    assert prop.option == "one_call"
    assert prop.reason == "The session was started for call 8613800138000."
    assert prop.facts == {"scope.kind": "call", "scope.number": "8613800138000"}
    assert rec.of("proposal")[0]["option"] == "one_call"


def test_gather_proposal_with_reason_and_status_fact(mini: Flow) -> None:
    eng, rec, calls = engine_for(mini, CAUSE_102)
    eng.start()
    eng.choose("many")
    evs = eng.gather()
    assert calls == ["fake.causes"]
    assert [e.name for e in evs] == ["fake.causes"]
    assert eng.namespace["fake.causes.status"] == "ok"
    assert eng.namespace["fake.causes.top_cause"] == 102
    prop = eng.propose()
    assert prop.option == "cause102"
    assert prop.reason == "37 % ended with 102 (120 calls)."
    assert prop.facts["fake.causes.top_cause"] == 102
    assert prop.undecided == []
    ev = rec.of("evidence")[0]
    assert ev["node"] == "causes" and ev["evidence"]["facts"]["top_cause"] == 102
    assert rec.of("proposal")[-1]["reason"] == prop.reason


def test_missing_fact_is_undecided_and_the_operator_is_asked(mini: Flow) -> None:
    script = {"fake.causes": {"status": "error", "facts": {}}}
    eng, _rec, _ = engine_for(mini, script)
    eng.start()
    eng.choose("many")
    eng.gather()
    prop = eng.propose()
    assert prop.option is None
    assert prop.undecided == ["fake.causes.top_cause"]
    assert "fake.causes.top_cause (fake.causes came out error)" in prop.reason


def test_undecided_before_a_true_option_still_asks(tmp_path) -> None:
    from wizard_helpers import FLOWS

    from dropwizard.wizard.loader import load_flow

    text = (FLOWS / "mini.yaml").read_text()
    text = text.replace(
        'when: "fake.causes.top_cause == 16"', "when: \"fake.durations.pattern == 'spike'\""
    ).replace("gather: [fake.causes]", "gather: [fake.causes, fake.durations]")
    path = tmp_path / "m.yaml"
    path.write_text(text)
    flow = load_flow(path)
    eng, _, _ = engine_for(flow, {**CAUSE_102, "fake.durations": {"status": "fail", "facts": {}}})
    eng.start()
    eng.choose("many")
    eng.gather()
    prop = eng.propose()
    assert prop.option is None and prop.undecided == ["fake.durations.pattern"]
    assert "fake.durations.pattern (fake.durations came out fail)" in prop.reason


def test_type_error_in_a_condition_asks_the_operator(tmp_path) -> None:
    from wizard_helpers import FLOWS

    from dropwizard.wizard.loader import load_flow

    text = (FLOWS / "mini.yaml").read_text()
    text = text.replace(
        'when: "fake.causes.top_cause == 16"', 'when: "fake.causes.top_cause_share > 0.5"'
    )
    path = tmp_path / "m.yaml"
    path.write_text(text)
    flow = load_flow(path)
    eng, _, _ = engine_for(flow, {"fake.causes": {"top_cause": 102, "top_cause_share": "high"}})
    eng.start()
    eng.choose("many")
    eng.gather()
    prop = eng.propose()
    assert prop.option is None
    assert "could not be read (option cause16: cannot compare 'high' > 0.5)" in prop.reason


def test_override_is_recorded(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.propose()
    eng.choose("other", reason="I saw the trace myself")
    assert rec.of("override") == [
        {
            "seq": rec.of("override")[0]["seq"],
            "ts": "t",
            "type": "override",
            "node": "causes",
            "proposed": "cause102",
            "chosen": "other",
            "reason": "I saw the trace myself",
        }
    ]
    choice = rec.of("choice")[-1]
    assert (choice["option"], choice["next"], choice["by"]) == ("other", "end", "operator")
    assert eng.path[-1].overridden
    assert eng.finished and rec.events[-1]["type"] == "end"
    assert rec.events[-1]["outcome"] == "resolved"


def test_accepting_the_proposal_is_no_override(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    eng.start()
    eng.propose()
    eng.choose("many", by="operator")
    assert rec.of("override") == []


def test_unknown_option_is_an_error(mini: Flow) -> None:
    eng, _, _ = engine_for(mini, CAUSE_102)
    eng.start()
    with pytest.raises(
        EngineError, match=r"node start has no option 'nope' \(options: one_call, many\)"
    ):
        eng.choose("nope")


def test_finding_node_builds_finding_with_fixes(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.propose()
    node = eng.choose("cause102", by="proposal")
    assert node.id == "f_rtp" and not eng.finished
    (finding,) = eng.findings
    assert finding.id == "rtp_timeout" and finding.severity.value == "high"
    assert finding.recommendations == [
        "FIX: Enable media proxy [System Parameters -> Media -> RTP Timeout]",
        "WORKAROUND: Raise the RTP timeout",
    ]
    assert finding.evidence == ["37 % ended with 102 (120 calls)."]
    event = rec.of("finding")[0]
    assert event["finding"]["id"] == "rtp_timeout"
    assert [f["text"] for f in event["fixes"]] == ["Enable media proxy", "Raise the RTP timeout"]
    assert eng.propose().option == "continue"
    eng.choose("continue")
    assert eng.finished and rec.of("end")[0]["outcome"] == "diagnosed"


def test_detector_numbers_are_merged(mini: Flow) -> None:
    detected = {
        "id": "rtp_timeout",
        "title": "x",
        "severity": "high",
        "confidence": 0.9,
        "gateway": "gw7",
        "calls": 42,
        "evidence": ["42 drops at 30 s"],
        "data": {"timer_s": 30},
    }
    script = {
        "fake.causes": {
            "facts": CAUSE_102["fake.causes"],
            "data": {"findings": [detected]},
        }
    }
    eng, _, _ = engine_for(mini, script)
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.choose("cause102")
    (finding,) = eng.findings
    assert (finding.confidence, finding.gateway, finding.calls) == (0.9, "gw7", 42)
    assert finding.evidence[0] == "42 drops at 30 s"
    assert finding.data["timer_s"] == 30


def test_back_one_step_and_to_a_node(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.choose("cause102")
    assert eng.visited() == ["start", "causes", "f_rtp"]
    assert eng.back().id == "causes"
    assert eng.findings == []
    assert rec.of("back")[-1] == {**rec.of("back")[-1], "from": "f_rtp", "to": "causes"}
    eng.choose("other")
    assert eng.finished
    assert eng.back(to="start").id == "start"
    assert eng.path == [] and not eng.finished and eng.ended is None
    with pytest.raises(EngineError, match="already at the first node"):
        eng.back()
    eng.choose("many")
    with pytest.raises(EngineError, match="was not visited"):
        eng.back(to="f_rtp")


def test_note(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    eng.start()
    eng.note("customer says it drops at 30 s")
    assert rec.of("note")[0]["node"] == "start"
    assert rec.of("note")[0]["text"] == "customer says it drops at 30 s"
    assert eng.notes == [("start", "customer says it drops at 30 s")]


def test_gather_honours_cancel_between_gatherers(tmp_path) -> None:
    flow = three_gatherer_flow(tmp_path)
    rec = Recorder()
    cancel = threading.Event()
    calls: list[str] = []
    script = THREE_GATHERERS
    reg = scripted_registry(script, calls)
    inner = reg._gatherers["fake.causes"]

    def cancelling(ctx, params):
        cancel.set()
        return inner(ctx, params)

    reg.add("fake.causes", cancelling)
    eng = Engine(flow, reg, GatherContext(flow=flow, cancel=cancel), emit=rec)
    eng.start()
    eng.choose("many")
    evs = eng.gather()
    assert calls == ["fake.causes"]
    assert [(e.name, e.status.value) for e in evs] == [
        ("fake.causes", "ok"),
        ("fake.durations", "skipped"),
        ("fake.probe", "skipped"),
    ]
    assert "fake.durations.pattern" not in eng.namespace
    assert eng.namespace["fake.durations.status"] == "skipped"


def state(eng: Engine) -> dict[str, Any]:
    return {
        "current": eng.current.id if eng.current else None,
        "path": [(s.node, s.option, s.by, s.overridden, s.proposal) for s in eng.path],
        "namespace": eng.namespace,
        "evidence": {k: [e.to_dict() for e in v] for k, v in eng.evidence.items()},
        "findings": [f.to_dict() for f in eng.findings],
        "notes": eng.notes,
        "finished": eng.finished,
        "proposal": eng.proposal,
        "ended": eng.ended,
    }


def test_replay_rebuilds_the_same_state_without_gathering(mini: Flow) -> None:
    eng, rec, calls = engine_for(mini, CAUSE_102)
    eng.start()
    eng.propose()
    eng.choose("many")
    eng.gather()
    eng.propose()
    eng.note("looks like RTP")
    eng.choose("cause102")
    eng.back()
    eng.gather()
    eng.propose()
    eng.choose("other", reason="checked")
    assert calls == ["fake.causes", "fake.causes"]
    replay_calls: list[str] = []
    again = Engine.replay(
        mini, scripted_registry(CAUSE_102, replay_calls), GatherContext(flow=mini), rec.events
    )
    assert replay_calls == []
    assert state(again) == state(eng)
    # mid-walk too
    for cut in range(1, len(rec.events) + 1):
        partial = rec.events[:cut]
        Engine.replay(mini, scripted_registry(CAUSE_102), GatherContext(flow=mini), partial)


def test_replay_repairs_a_walk_cut_after_a_choice(mini: Flow) -> None:
    eng, rec, _ = engine_for(mini, CAUSE_102)
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.choose("cause102")
    cut = [e for e in rec.events if e["type"] in ("node_entered", "finding")][-2]
    events = rec.events[: rec.events.index(cut)]
    assert events[-1]["type"] == "choice"
    out = Recorder()
    again = Engine.replay(mini, scripted_registry(CAUSE_102), GatherContext(flow=mini), events, out)
    assert again.current.id == "f_rtp"
    assert out.types() == ["node_entered", "finding"]
    assert [f.id for f in again.findings] == ["rtp_timeout"]


def test_replay_rejects_a_changed_flow(mini: Flow) -> None:
    events = [{"seq": 1, "ts": "t", "type": "node_entered", "node": "gone", "title": "x"}]
    with pytest.raises(EngineError, match="lacks"):
        Engine.replay(mini, scripted_registry({}), GatherContext(flow=mini), events)


def test_resume_runs_only_the_gatherers_a_crash_cut_off(tmp_path) -> None:
    from dropwizard.wizard.headless import step

    flow = three_gatherer_flow(tmp_path)
    script = THREE_GATHERERS
    eng, rec, _ = engine_for(flow, script)
    eng.start()
    eng.choose("many")
    eng.gather()
    first_evidence = [e["type"] for e in rec.events].index("evidence")
    cut = rec.events[: first_evidence + 1]
    calls: list[str] = []
    out = Recorder()
    again = Engine.replay(
        flow, scripted_registry(script, calls), GatherContext(flow=flow), cut, out
    )
    assert again.current.id == "causes"
    assert again.missing_gatherers() == ["fake.durations", "fake.probe"]
    step(again, {})
    assert calls == ["fake.durations", "fake.probe"]
    assert out.types()[:4] == ["evidence", "evidence", "proposal", "choice"]
    assert again.path[-1].option == "cause102"
