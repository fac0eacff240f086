"""Scenario answers that follow from the evidence the trainee sees, accepted alternatives with
their reasons, and debriefs that agree with the answers and the glossary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dropwizard.training import glossary
from dropwizard.training.headless import follow_evidence, timed_clock
from dropwizard.training.run import Judgement, TrainingRun
from dropwizard.training.scenario import check_file, load_scenario
from dropwizard.training.scoring import Decision, ScoringRules, score

from .conftest import SHIPPED, edit, shipped, source_for

DATA = Path(__file__).parent / "data"


def open_run(name: str) -> TrainingRun:
    sc = shipped(name)
    return TrainingRun.open(sc, source=source_for(sc), clock=timed_clock(1.0), trainee="t")


def walk(run: TrainingRun, forced: dict[str, str], stop: str | None = None) -> list[Judgement]:
    """Choose the forced option where given, the model answer elsewhere; stop before `stop`."""
    out: list[Judgement] = []
    run.start()
    while not run.finished:
        node = run.current
        if node.id == stop:
            break
        out.append(run.choose(forced.get(node.id) or run.model_answer() or node.default))
    return out


def flat(text: str) -> str:
    return " ".join(text.split())


# -- scoring: accepted alternatives ------------------------------------------------------------


def test_an_accepted_alternative_is_right() -> None:
    d = Decision(node="a", expected="x", attempts=["y"], alternatives=["y"])
    assert d.correct is True and d.first_try and d.wrong_attempts == 0
    assert d.accepted == ["x", "y"] and d.is_right("y") and not d.is_right("q")
    retried = Decision(node="a", expected="x", attempts=["q", "y"], alternatives=["y"])
    assert retried.correct is True and not retried.first_try and retried.wrong_attempts == 1
    s = score([d, retried], True, ScoringRules())
    assert (s.total, s.maximum) == (10 + 5 + 20 + 10, 50)
    legacy = Decision("a", "x", ["y"])
    assert legacy.correct is False and legacy.alternatives == []
    assert Decision("a", None, ["y"]).is_right("y") is None


# -- 1. provider-487-pdd: the 487s are SIP 487, not a 408/504 --------------------------------


def test_provider_487_step1_sip487_is_the_answer() -> None:
    run = open_run("provider-487-pdd")
    try:
        walk(run, {}, stop="step1")
        assert run.model_answer() == "sip487"
        j = run.choose("sip487")
        assert j.correct is True and j.points == run.rules.decision_points
        assert "RFC 3398" in j.why and "487" in j.why
        list(follow_evidence(run))
        assert run.diagnosis_correct() and run.score().percent == 100
        report = run.report_markdown()
        assert "- The scenario's answer: `sip487`" in report
        assert "- Also accepted: `cause102_setup`" not in report  # it is the evidence's option
    finally:
        run.close()


def test_provider_487_step1_cause102_setup_is_accepted_too() -> None:
    run = open_run("provider-487-pdd")
    try:
        judgements = walk(run, {"step1": "cause102_setup"})
        step1 = next(j for j in judgements if j.node == "step1")
        assert step1.correct is True
        assert run.diagnosis_correct() and run.score().percent == 100
    finally:
        run.close()


# -- 2. s2_session: the answer follows from the facts the trainee sees -----------------------


def facts_seen(run: TrainingRun) -> dict[str, Any]:
    """Every evidence record shown so far, by gatherer name: its status and facts."""
    out: dict[str, Any] = {}
    for rec in run.records():
        for ev in rec.evidence:
            out[ev.name] = {"status": ev.status, **ev.facts}
    for ev in run.evidence():
        out[ev.name] = {"status": ev.status.value, **ev.facts}
    return out


def defensible_s2_session(seen: dict[str, Any]) -> set[str]:
    """What the evidence shown up to s2_session supports."""
    se = seen["probe.vos_config"]["session_expires"]
    if se < 1800:
        return {"interval_too_short"}
    conn, fw = seen["probe.conntrack"], seen["probe.firewall"]
    if conn["udp_stream_timeout"] < se / 2 and fw["sip_open"] is False:
        return {"signalling_idles_out"}
    assert seen["capture.analysis"]["status"] == "skipped"
    return {"endpoint_unsupported", "refresh_unanswered"}


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("session-timer-600", {"interval_too_short"}),
        ("two-faults", {"endpoint_unsupported", "refresh_unanswered"}),
    ],
)
def test_s2_session_answers_follow_from_the_recorded_facts(name: str, accepted: set[str]) -> None:
    run = open_run(name)
    try:
        walk(run, {}, stop="s2_session")
        assert run.current.id == "s2_session"
        seen = facts_seen(run)
        assert defensible_s2_session(seen) == accepted
        decision = run.visits[-1].record.decision
        assert set(decision.accepted) == accepted
        for option in (o.id for o in run.options()):
            assert decision.is_right(option) is (option in accepted), option
        assert run.scenario.why.get("s2_session")
    finally:
        run.close()


def test_session_timer_600_debrief_agrees_with_its_answer() -> None:
    text = flat(shipped("session-timer-600").debrief)
    assert "does not refresh" not in text and "never refreshes" not in text
    assert "SS_SIP_SESSION_TTL=600" in text and "the evidence points at the interval" in text


def test_two_faults_debrief_agrees_with_its_answers() -> None:
    text = flat(shipped("two-faults").debrief)
    assert "does not support session timers" in text
    assert "does not answer the refresh" in text
    assert "both answers are accepted" in text
    assert "because that provider never answers the session refresh" not in text


# -- 3. accepted alternatives in the shipped scenarios ---------------------------------------


def test_two_faults_cause41_path_scores_full_marks() -> None:
    run = open_run("two-faults")
    try:
        judgements = walk(run, {"step1": "cause41"})
        assert [j.node for j in judgements][:3] == ["start", "step1", "step3"]
        assert all(j.correct is not False for j in judgements)
        assert run.reached() == ["provider_rejection"] and run.diagnosis_correct()
        assert run.score().percent == 100
        step1 = judgements[1]
        assert "41 (Temp Failure)" in step1.why
    finally:
        run.close()


def test_conntrack_consistent_interval_path_scores_full_marks() -> None:
    run = open_run("conntrack-stream-default")
    try:
        forced = {
            "step2": "consistent_interval",
            "s2_interval": "idle_expiry",
            "s2_idle_expiry": "matches_conntrack",
        }
        judgements = walk(run, forced)
        chosen = {j.node: j for j in judgements}
        for node, option in forced.items():
            assert chosen[node].chosen == option and chosen[node].correct is True, node
        assert run.diagnosis_correct() and run.score().percent == 100
        assert "fixed duration" in chosen["step2"].why
    finally:
        run.close()


def test_a_wrong_choice_says_why_the_scenario_answers_otherwise() -> None:
    run = open_run("two-faults")
    try:
        walk(run, {}, stop="s2_session")
        label = run.current.option("endpoint_unsupported").label
        j = run.choose("interval_too_short")
        assert j.correct is False
        assert j.why.startswith(f"The scenario's answer here is '{label}'. Also accepted: ")
        assert j.why != f"The scenario's answer here is '{label}'."
        assert "1800" in j.why and "no capture" in j.why
        report = run.report_markdown()
        assert "- Also accepted: `refresh_unanswered`" in report
        assert "- Why: The evidence rules out two answers." in report
    finally:
        run.close()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_answer_the_scenario_decides_has_its_reason(name: str) -> None:
    """Where the scenario, not the evidence, names the answer (or accepts several), `why`
    says why, so a wrong choice is never explained by the bare answer."""
    sc = shipped(name)
    run = open_run(name)
    try:
        list(follow_evidence(run))
        supported = {r.decision.node: r.proposal for r in run.records()}
    finally:
        run.close()
    for node in sc.expect:
        accepted = sc.accepted(node)
        if len(accepted) > 1 or supported.get(node) != accepted[0]:
            assert sc.why.get(node), f"{name}: expect.{node} has no why.{node}"


# -- 4. midcall-failover: an answered call cannot move ---------------------------------------


def test_midcall_failover_debrief_agrees_with_the_glossary() -> None:
    sc = shipped("midcall-failover")
    text = flat(sc.debrief)
    assert "Gateway switch settings" in sc.teaches
    entry = glossary.lookup("Gateway switch settings")
    assert entry is not None and "An answered call cannot move to another route" in entry.text
    assert "appeared on another provider gateway" not in text
    assert "cannot move an answered call" in text
    assert "re-routed the call as a new attempt" in text
    assert "stop switching after answer" not in text


# -- the scenario file format ----------------------------------------------------------------


def test_expect_may_list_accepted_alternatives(scenario_dir: Path) -> None:
    p = edit(
        scenario_dir,
        "expect: {start: many}",
        "expect: {start: [many, one_call]}\nwhy: {start: Either scope fits this ticket.}",
    )
    assert check_file(p) == []
    sc = load_scenario(p)
    assert sc.expect == {"start": "many"} and sc.also == {"start": ["one_call"]}
    assert sc.accepted("start") == ["many", "one_call"] and sc.accepted("other") == []
    assert sc.why == {"start": "Either scope fits this ticket."}


def test_a_single_expected_option_still_loads(scenario_dir: Path) -> None:
    sc = load_scenario(scenario_dir)
    assert sc.expect == {"start": "many"} and sc.also == {} and sc.why == {}
    assert sc.accepted("start") == ["many"]


@pytest.mark.parametrize(
    ("new", "line", "message", "on_load"),
    [
        ("expect: {start: [many, lots]}\nwhy: {start: x}", 21, "has no option 'lots'", False),
        ("expect: {start: [many, one_call]}", 21, "say why in `why.start`", True),
        ("expect: {start: [many, many]}", 21, "lists an option twice", True),
        ("expect: {start: []}", 21, "must be an option id or a list", True),
        ("expect: {start: many}\nwhy: {stat: x}", 22, "has no node 'stat'", False),
        ("expect: {start: many}\nwhy: {start: ''}", 22, "`why.start` must be a non-empty", True),
    ],
)
def test_expect_and_why_problems_name_their_line(
    scenario_dir: Path, new: str, line: int, message: str, on_load: bool
) -> None:
    from dropwizard.errors import InputError

    p = edit(scenario_dir, "expect: {start: many}", new)
    problems = check_file(p)
    assert any(x.startswith(f"{p}:{line}: ") and message in x for x in problems), problems
    if on_load:
        with pytest.raises(InputError, match=f"^{p}:{line}: "):
            load_scenario(p)
