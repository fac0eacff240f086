"""Walks of the shipped scenarios on the real engine, flow, detectors and recorded hosts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropwizard.training.answers import Answers
from dropwizard.training.headless import follow_evidence, timed_clock, walk_answers
from dropwizard.training.run import TrainingRun
from dropwizard.training.scenario import check_file, shipped_dir

from .conftest import SHIPPED, shipped, source_for


def open_run(name: str, step: float = 1.0, **kw) -> TrainingRun:
    sc = shipped(name)
    return TrainingRun.open(sc, source=source_for(sc), clock=timed_clock(step), trainee="t", **kw)


def test_at_least_ten_scenarios_covering_the_issue() -> None:
    assert len(SHIPPED) >= 10
    faults = {f.type for name in SHIPPED for f in shipped(name).dataset.faults}
    assert faults >= {
        "rtp_timeout",
        "session_timer",
        "firewall_udp_timeout",
        "nat_keepalive",
        "midcall_failover",
        "provider_503_burst",
        "provider_487",
        "ack_timeout",
        "max_call_duration",
    }
    assert any(not shipped(n).dataset.faults for n in SHIPPED), "a healthy switch"
    assert any(len(shipped(n).dataset.faults) >= 2 for n in SHIPPED), "two faults at once"
    found = {f for n in SHIPPED for f in shipped(n).diagnosis.findings}
    for fid in (
        "rtp_timeout",
        "session_timer_expiry",
        "firewall_udp_timeout",
        "nat_keepalive_loss",
        "failover_switch",
        "provider_rejection",
    ):
        assert fid in found, f"the guide's drop type {fid} has no scenario"
    assert {shipped(n).difficulty for n in SHIPPED} == {"easy", "medium", "hard"}
    assert any(shipped(n).capture for n in SHIPPED), "at least one scenario has a capture"
    assert all(shipped(n).host_dir for n in SHIPPED), "every scenario has a recorded host"


@pytest.mark.parametrize("name", SHIPPED)
def test_scenario_file_validates(name: str) -> None:
    assert check_file(shipped_dir() / name) == []


@pytest.mark.parametrize("name", SHIPPED)
def test_following_the_evidence_reaches_the_true_diagnosis(name: str) -> None:
    run = open_run(name)
    try:
        judgements = list(follow_evidence(run))
        walked = [j.node + ":" + j.chosen for j in judgements]
        assert run.finished, f"walk stopped at {run.current.id}"
        assert all(j.correct is not False for j in judgements)
        assert run.diagnosis_correct(), (
            f"reached {run.reached()} via {walked}, want {run.scenario.diagnosis.describe()}"
        )
        assert run.attribution() == []
        if run.scenario.walk:
            assert run.engine.visited() == run.scenario.walk, walked
        for rec in run.records():
            accepted = run.scenario.accepted(rec.decision.node)
            if accepted and rec.proposal:
                assert rec.proposal in accepted, (
                    f"expect.{rec.decision.node} does not list the option the evidence supports"
                )
        s = run.score()
        assert s.total == s.maximum
        assert s.judged == len(judgements)
    finally:
        run.close()


def first_wrong_option(run: TrainingRun) -> tuple[str, str]:
    """Walk by the evidence up to the first node with an option that leads elsewhere;
    return (right option, wrong option) there."""
    while True:
        node = run.current
        right = run.model_answer()
        assert right is not None, f"nothing decides {node.id}"
        target = node.option(right).next
        wrong = [o.id for o in node.ways_out() if o.next != target]
        if wrong:
            return right, wrong[0]
        run.choose(right, by="proposal")


def test_a_wrong_branch_is_scored_as_such() -> None:
    run = open_run("ack-timeout-32s")
    try:
        run.start()
        run.choose(run.model_answer())
        node = run.current
        right = run.model_answer()
        assert node.id == "step1"
        wrong = next(o.id for o in node.ways_out() if o.next == "step4")
        j = run.choose(wrong)
        assert j.correct is False
        assert j.supported_option == right
        assert j.supported_label == node.option(right).label
        assert j.why.startswith(f"The evidence supports '{node.option(right).label}'")
        assert j.points == 0
        list(follow_evidence(run))
        s = run.score()
        assert "ack_timeout" not in run.reached()
        assert not run.diagnosis_correct()
        assert s.correct == s.judged - 1 and s.first_try == s.judged - 1
        assert s.diagnosis_points == 0
        assert s.total == s.maximum - run.rules.decision_points - run.rules.diagnosis_points
        report = run.report_markdown()
        assert f"`{wrong}` ({node.option(wrong).label}): **WRONG**" in report
        assert "not the true diagnosis" in report
    finally:
        run.close()


def test_a_wrong_turn_can_be_retried() -> None:
    run = open_run("nat-keepalive-loss")
    try:
        run.start()
        right, wrong = first_wrong_option(run)
        node = run.current.id
        j = run.choose(wrong)
        assert j.correct is False and run.can_retry()
        assert run.retry().id == node
        j2 = run.choose(right)
        assert j2.correct is True
        assert j2.points == run.rules.decision_points - run.rules.wrong_attempt_cost
        list(follow_evidence(run))
        assert run.diagnosis_correct()
        s = run.score()
        assert s.wrong_attempts == 1
        assert s.total == s.maximum - run.rules.wrong_attempt_cost
        events_back = [r for r in run.records() if r.decision.node == node]
        assert len(events_back) == 1 and len(events_back[0].attempts) == 2
    finally:
        run.close()


def test_hints_come_in_order_and_cost_points() -> None:
    run = open_run("session-timer-600")
    try:
        run.start()
        run.choose(run.model_answer())  # start
        run.choose(run.model_answer())  # step1
        assert run.current.id == "step2"
        sc = run.scenario
        first = run.hint()
        assert first == sc.hints["step2"][0]
        second = run.hint()
        assert second == " ".join(run.current.hint.split())
        list(follow_evidence(run))
        s = run.score()
        assert s.hints == 2 and s.total == s.maximum - 2 * run.rules.hint_cost
        assert f"Hint taken: {first}" in run.report_markdown()
    finally:
        run.close()


def test_report_lists_every_decision_with_its_evidence(tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    run = open_run("provider-503-burst", transcript=transcript)
    try:
        judgements = list(follow_evidence(run))
        report = run.report_markdown()
        for rec in run.records():
            assert f"(`{rec.decision.node}`)" in report
            for ev in rec.evidence:
                assert f"| {ev.name} | {ev.status} |" in report
        assert len(run.records()) == len(judgements)
        assert "## Debrief" in report and run.scenario.debrief.splitlines()[0] in report
        assert "SIP 503 Service Unavailable" in report  # glossary terms the scenario teaches
        assert "## What the flow recommends for the finding reached" in report
        for rec in run.engine.findings[0].recommendations:
            assert f"- {rec}" in report
    finally:
        run.close()
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert events[0]["type"] == "session_started" and events[0]["mode"] == "train"
    assert events[-1]["type"] == "end"
    assert [e["node"] for e in events if e["type"] == "choice"][: len(judgements)] == [
        j.node for j in judgements
    ]


def test_answers_walk_with_retry_and_hint() -> None:
    model = open_run("provider-503-burst")
    try:
        model.start()
        first = model.model_answer()
        model.choose(first)
        right, wrong = first_wrong_option(model)
        node = model.current.id
    finally:
        model.close()
    run = open_run("provider-503-burst")
    try:
        assert node == "step1"
        answers = Answers(choices={"start": [first], node: [wrong, right]}, hints={node: 1})
        out = walk_answers(run, answers)
        assert out.stopped and "no answer for node" in out.stopped
        assert [(j.node, j.correct) for j in out.judgements] == [
            ("start", True),
            ("step1", False),
            ("step1", True),
        ]
        assert out.hints and out.hints[0][0] == "step1"
        s = run.score()
        assert s.wrong_attempts == 1 and s.hints == 1 and not s.diagnosis_correct
    finally:
        run.close()


def test_nothing_runs_on_this_machine() -> None:
    run = open_run("healthy-switch")
    try:
        reg, ctx = run.engine.registry, run.ctx
        db = reg.run("probe.database", ctx)
        assert db.asked.endswith("(recorded on the scenario's host)")
        assert db.facts["reachable"] is True
        conn = reg.run("probe.conntrack", ctx)
        assert conn.facts.get("udp_stream_timeout") == 3600  # from host/root/proc/...
        flood = reg.run("probe.sip_flood", ctx)
        assert flood.facts["flood"] is False and "recorded" in flood.asked
    finally:
        run.close()
    from dropwizard.training.scenario import load_scenario

    bare = TrainingRun.open(load_scenario(Path(__file__).parent / "data" / "good"), trainee="t")
    try:
        ev = bare.engine.registry.run("probe.database", bare.ctx)
        assert ev.status.value == "skipped" and "not recorded" in ev.summary
        opts = bare.engine.registry.run("probe.sip_options", bare.ctx)
        assert opts.status.value == "skipped"
    finally:
        bare.close()


def test_misuse_is_a_one_line_error() -> None:
    from dropwizard.errors import InputError

    run = open_run("provider-503-burst")
    try:
        run.start()
        with pytest.raises(InputError, match="nothing to retry"):
            run.retry()
        with pytest.raises(InputError, match="has no option 'nowhere'"):
            run.choose("nowhere")
        left = run.hints_left()
        run.hint()
        assert run.hints_left() == left - 1
        list(follow_evidence(run))
        assert run.finished
        with pytest.raises(InputError, match="the walk is over"):
            run.evidence()
    finally:
        run.close()


def test_time_is_measured_from_the_evidence_to_the_choice() -> None:
    run = open_run("provider-503-burst", step=50.0)
    try:
        judgements = list(follow_evidence(run))
        s = run.score()
        # each decision reads the clock twice: when its evidence is shown and when it is chosen
        assert s.seconds == 50.0 * len(judgements)
        assert s.time_points == run.rules.time_points
    finally:
        run.close()
    slow = open_run("provider-503-burst", step=400.0)
    try:
        list(follow_evidence(slow))
        assert slow.score().time_points == 0
    finally:
        slow.close()


@pytest.mark.parametrize("name", [n for n in SHIPPED if len(shipped(n).dataset.faults) >= 2])
def test_each_fault_of_a_multi_fault_scenario_is_found_by_rescoping(name: str) -> None:
    from dataclasses import replace

    from dropwizard.scope import Scope

    sc = shipped(name)
    assert sc.diagnosis.match == "any"
    reached: set[str] = set()
    for fault in sc.dataset.faults:
        assert fault.gateway, "each fault of a multi-fault scenario names its gateway"
        rescoped = replace(sc, scope=Scope(kind="gateway", gateway=fault.gateway))
        run = TrainingRun.open(rescoped, source=source_for(sc), clock=timed_clock(1.0))
        try:
            list(follow_evidence(run))
            found = [f for f in run.engine.findings if f.id in sc.diagnosis.findings]
            assert found, f"walking {fault.gateway} reaches {run.reached()}"
            assert all(f.gateway in (None, fault.gateway) for f in found)
            reached.update(f.id for f in found)
        finally:
            run.close()
    assert reached == set(sc.diagnosis.findings)
