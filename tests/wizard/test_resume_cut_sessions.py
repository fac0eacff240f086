"""Resuming sessions cut at awkward points: answers, overrides, a last choice without its end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from wizard_helpers import cli_env, scripted_registry

from dropwizard.gather import GatherContext
from dropwizard.scope import Scope
from dropwizard.transcript.export import build_report
from dropwizard.wizard.engine import Engine
from dropwizard.wizard.model import Flow

FACTS_102 = {
    "fake.causes": {"top_cause": 102, "top_cause_share": 0.37, "calls": 120},
    "fake.probe": {"stopped": True, "gap_s": 30.2},
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path, FACTS_102)


def dw(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dropwizard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def cut_after(events: list[dict[str, Any]], pred) -> list[dict[str, Any]]:
    index = next(i for i, e in enumerate(events) if pred(e))
    return events[: index + 1]


def full_run(env: dict[str, str], tmp_path: Path, answers: str) -> tuple[Path, list[dict]]:
    file = tmp_path / "answers.yaml"
    file.write_text(answers)
    transcript = tmp_path / "full.jsonl"
    out = dw(env, "run", "--flow", "mini", "--answers", str(file), "--transcript", str(transcript))
    assert out.returncode == 0, out.stderr
    return file, read(transcript)


def test_run_records_its_answers_file(env: dict[str, str], tmp_path: Path) -> None:
    file, events = full_run(env, tmp_path, "causes: other\n")
    started = events[0]
    assert started["type"] == "session_started"
    assert started["answers"]["answers"] == {"causes": "other"}
    assert started["answers"]["path"] == str(file)
    assert len(started["answers"]["sha256"]) == 64


def test_bare_resume_of_a_cut_session_reuses_the_recorded_answers(
    env: dict[str, str], tmp_path: Path
) -> None:
    _, events = full_run(env, tmp_path, "causes: other\n")
    assert events[-1]["type"] == "end" and events[-1]["node"] == "end"
    cut = write(
        tmp_path / "cut.jsonl",
        cut_after(events, lambda e: e["type"] == "node_entered" and e["node"] == "causes"),
    )
    out = dw(env, "resume", str(cut))
    assert out.returncode == 0, out.stderr
    resumed = read(cut)
    choices = [(e["node"], e["option"], e["by"]) for e in resumed if e["type"] == "choice"]
    assert choices[-1] == ("causes", "other", "answers")
    assert [e["node"] for e in resumed if e["type"] == "end"] == ["end"]
    assert not [e for e in resumed if e["type"] == "finding"]


def test_resume_with_a_new_answers_file_records_it(env: dict[str, str], tmp_path: Path) -> None:
    _, events = full_run(env, tmp_path, "causes: other\n")
    cut = write(
        tmp_path / "cut.jsonl",
        cut_after(events, lambda e: e["type"] == "node_entered" and e["node"] == "causes"),
    )
    other = tmp_path / "other.yaml"
    other.write_text("causes: cause102\n")
    out = dw(env, "resume", str(cut), "--answers", str(other))
    assert out.returncode == 0, out.stderr
    resumed = read(cut)
    recorded = [e for e in resumed if e["type"] == "answers"]
    assert recorded and recorded[-1]["answers"]["answers"] == {"causes": "cause102"}
    assert [e["finding"]["id"] for e in resumed if e["type"] == "finding"] == ["rtp_timeout"]


def test_override_is_written_before_its_choice(env: dict[str, str], tmp_path: Path) -> None:
    _, events = full_run(env, tmp_path, "causes: other\n")
    types = [(e["type"], e.get("node")) for e in events]
    at = types.index(("override", "causes"))
    assert types[at + 1] == ("choice", "causes")
    assert events[at]["proposed"] == "cause102" and events[at]["chosen"] == "other"


def test_a_cut_between_override_and_choice_keeps_the_override(
    env: dict[str, str], tmp_path: Path
) -> None:
    _, events = full_run(env, tmp_path, "causes: other\n")
    kept = cut_after(events, lambda e: e["type"] == "override")
    kept[0] = {k: v for k, v in kept[0].items() if k != "answers"}  # only the override remains
    cut = write(tmp_path / "cut.jsonl", kept)
    out = dw(env, "resume", str(cut))
    assert out.returncode == 0, out.stderr
    resumed = read(cut)
    assert [e["seq"] for e in resumed] == list(range(1, len(resumed) + 1))
    choice = resumed[len(kept)]
    assert (choice["type"], choice["node"], choice["option"]) == ("choice", "causes", "other")
    assert resumed[-1]["type"] == "end" and resumed[-1]["node"] == "end"
    report = build_report(resumed)
    (decision,) = [p for p in report["path"] if p["kind"] == "decision" and p["node"] == "causes"]
    assert decision["override"] == {"proposed": "cause102", "chosen": "other", "reason": None}


def test_resume_after_the_last_choice_is_not_called_finished(
    env: dict[str, str], tmp_path: Path
) -> None:
    _, events = full_run(env, tmp_path, "causes: other\n")
    kept = cut_after(events, lambda e: e["type"] == "choice" and e["node"] == "causes")
    cut = write(tmp_path / "cut.jsonl", kept)
    out = dw(env, "resume", str(cut))
    assert out.returncode == 0, out.stderr
    assert "had already finished" not in out.stderr
    assert "cut off after its last decision" in out.stderr
    resumed = read(cut)
    assert [e["type"] for e in resumed[len(kept) :]] == ["node_entered", "end"]


def test_resume_of_a_finished_session_says_so_and_appends_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    _, events = full_run(env, tmp_path, "causes: other\n")
    done = write(tmp_path / "done.jsonl", events)
    before = done.read_bytes()
    out = dw(env, "resume", str(done))
    assert out.returncode == 0, out.stderr
    assert "had already finished" in out.stderr
    assert done.read_bytes() == before


def _events(*items: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"seq": i, "ts": "2026-11-28T14:00:00.000Z", "type": t, **f}
        for i, (t, f) in enumerate(items, 1)
    ]


def test_old_transcripts_with_the_override_after_the_choice_still_replay(mini: Flow) -> None:
    events = _events(
        ("session_started", {"session_id": "s", "flow": "mini"}),
        ("node_entered", {"node": "start", "title": "What was reported?"}),
        ("choice", {"node": "start", "option": "many", "next": "causes", "by": "operator"}),
        ("node_entered", {"node": "causes", "title": "Check causes"}),
        ("proposal", {"node": "causes", "option": "cause102", "reason": "r", "facts": {}}),
        ("choice", {"node": "causes", "option": "other", "next": "end", "by": "operator"}),
        ("override", {"node": "causes", "proposed": "cause102", "chosen": "other", "reason": "x"}),
        ("node_entered", {"node": "end", "title": "Done"}),
        ("end", {"node": "end", "outcome": "resolved"}),
    )
    eng = Engine.replay(mini, scripted_registry({}), GatherContext(flow=mini), events)
    assert [(s.node, s.overridden, s.reason) for s in eng.path] == [
        ("start", False, None),
        ("causes", True, "x"),
    ]
    assert eng.was_finished
    report = build_report(events)
    overridden = [p["node"] for p in report["path"] if p.get("override")]
    assert overridden == ["causes"]


def test_finding_evidence_keeps_only_reasons_that_cite_gathered_facts(mini: Flow) -> None:
    from wizard_helpers import scripted_registry as registry

    scope = Scope.for_call("8613800138000@2026-11-28T13:35:30Z")
    ctx = GatherContext(scope=scope, flow=mini)
    eng = Engine(mini, registry({"fake.causes": FACTS_102["fake.causes"]}), ctx)
    eng.start()
    assert eng.propose().option == "one_call"
    eng.choose("one_call", by="proposal")
    eng.gather()
    eng.propose()
    eng.choose("cause102", by="proposal")
    (finding,) = eng.findings
    assert finding.evidence == ["37 % ended with 102 (120 calls)."]
    assert not any("started for" in s for s in finding.evidence)


def test_choice_and_proposal_events_carry_the_option_labels(mini: Flow) -> None:
    got: list[tuple[str, dict[str, Any]]] = []
    ctx = GatherContext(flow=mini)
    eng = Engine(
        mini,
        scripted_registry({"fake.causes": FACTS_102["fake.causes"]}),
        ctx,
        emit=lambda t, f: got.append((t, f)),
    )
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.propose()
    eng.choose("cause102", by="proposal")
    proposals = [f for t, f in got if t == "proposal"]
    choices = [f for t, f in got if t == "choice"]
    assert proposals[-1]["label"] == "102"
    assert [c["label"] for c in choices] == ["Many calls", "102"]
