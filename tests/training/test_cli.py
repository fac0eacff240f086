"""`dropwizard train`: listing, headless runs from answers files, reports, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropwizard.cli import main
from dropwizard.commands.train import _tui_entry

from .conftest import SHIPPED, shipped


def test_lists_scenarios_with_difficulty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["SCENARIO", "DIFFICULTY", "TITLE"]
    for name in SHIPPED:
        row = next(line for line in lines if line.startswith(name + " "))
        assert row.split()[1] == shipped(name).difficulty
    ranks = ["easy", "medium", "hard"]
    listed = [line.split()[1] for line in lines[1 : 1 + len(SHIPPED)]]
    assert listed == sorted(listed, key=ranks.index)


def test_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {s["id"] for s in data["scenarios"]} == set(SHIPPED)


def test_headless_run_with_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(
        "start: gateway\nstep1: [cause16, cause41]\nstep3: provider_503\nhints: {step3: 1}\n"
    )
    report = tmp_path / "r.md"
    rc = main(["train", "provider-503-burst", "--answers", str(answers), "--report", str(report)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "[step1] chose cause16" in out and "WRONG" in out
    assert "the evidence supports: cause41" in out
    assert "[step3] chose provider_503" in out and ": right" in out
    assert "[step3] hint:" in out
    assert "Reached: provider_rejection" in out
    assert "Debrief:" in out
    text = report.read_text()
    assert text.startswith("# Training report: ")
    assert "Attempt 2: `cause41`" in text and "Hint taken:" in text
    assert oct(report.stat().st_mode & 0o777) == "0o600"


def test_headless_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("start: window\nstep1: cause16\n")
    assert main(["train", "healthy-switch", "--answers", str(answers), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reached"] == ["normal_clearing"]
    assert [d["correct"] for d in data["decisions"]] == [True, True]
    assert data["score"]["total"] == data["score"]["maximum"]


def test_solution_walk(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "ack-timeout-32s", "--solution"]) == 0
    out = capsys.readouterr().out
    assert "Reached: ack_timeout" in out
    assert "WRONG" not in out


def test_unknown_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "no-such-scenario", "--answers", "x.yaml"]) == 2
    err = capsys.readouterr().err
    assert "no scenario named 'no-such-scenario'" in err and "healthy-switch" in err


def test_bad_answers_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("start: gateway\nstep1: {x: 1}\n")
    assert main(["train", "healthy-switch", "--answers", str(answers)]) == 2
    assert f"{answers}:2:" in capsys.readouterr().err


def test_answer_naming_a_missing_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("start: nowhere\n")
    assert main(["train", "healthy-switch", "--answers", str(answers)]) == 2
    assert "node 'start' has no option 'nowhere'" in capsys.readouterr().err


@pytest.mark.skipif(_tui_entry() is not None, reason="the TUI offers a training screen")
def test_without_answers_and_without_a_training_screen(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "healthy-switch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--answers" in err
