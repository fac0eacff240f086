"""`dropwizard train`: listing, headless runs from answers files, reports, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropwizard.cli import main
from dropwizard.commands.train import _tui_entry
from dropwizard.training import glossary

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


def model_answers(name: str) -> list[tuple[str, str, str | None]]:
    """(node, right option, an option leading elsewhere or None) along the model walk."""
    from dropwizard.training.headless import timed_clock
    from dropwizard.training.run import TrainingRun

    from .conftest import source_for

    sc = shipped(name)
    run = TrainingRun.open(sc, source=source_for(sc), clock=timed_clock(1.0))
    out = []
    try:
        run.start()
        while not run.finished:
            node = run.current
            right = run.model_answer() or node.default
            target = node.option(right).next
            wrong = next((o.id for o in node.ways_out() if o.next != target), None)
            out.append((node.id, right, wrong))
            run.choose(right)
    finally:
        run.close()
    return out


def test_headless_run_with_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    walk = model_answers("provider-503-burst")
    (n0, r0, _), (n1, r1, w1) = walk[0], walk[1]
    lines = [f"{n0}: {r0}", f"{n1}: [{w1}, {r1}]"]
    lines += [f"{n}: {r}" for n, r, _ in walk[2:]]
    last = walk[-1][0]
    lines.append(f"hints: {{{last}: 1}}")
    answers = tmp_path / "a.yaml"
    answers.write_text("\n".join(lines) + "\n")
    report = tmp_path / "r.md"
    rc = main(["train", "provider-503-burst", "--answers", str(answers), "--report", str(report)])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"[{n1}] chose {w1} (" in out and "WRONG" in out
    assert f"the answer here: {r1}" in out
    assert f"[{last}] hint:" in out
    assert "Reached: provider_rejection" in out
    assert "Debrief:" in out
    text = report.read_text()
    assert text.startswith("# Training report: ")
    assert f"Attempt 2: `{r1}`" in text and "Hint taken:" in text
    assert oct(report.stat().st_mode & 0o777) == "0o600"


def test_headless_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    walk = model_answers("ack-timeout-32s")
    answers = tmp_path / "a.yaml"
    answers.write_text("".join(f"{n}: {r}\n" for n, r, _ in walk))
    assert main(["train", "ack-timeout-32s", "--answers", str(answers), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reached"] == ["ack_timeout"]
    assert [d["correct"] for d in data["decisions"]] == [True] * len(walk)
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


def test_answers_checked_against_the_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("start: window\nstep1: nowhere\n")
    assert main(["train", "healthy-switch", "--answers", str(answers)]) == 2
    err = capsys.readouterr().err
    assert f"{answers}:2: node 'step1' has no option 'nowhere'" in err
    answers.write_text("no_such_node: x\n")
    assert main(["train", "healthy-switch", "--answers", str(answers)]) == 2
    assert f"{answers}:1: flow 'call-drop' has no node 'no_such_node'" in capsys.readouterr().err


def test_the_training_screen_is_offered() -> None:
    from dropwizard.tui.training import run_training

    assert _tui_entry() is run_training


def test_without_answers_and_without_a_training_screen(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dropwizard.commands.train._tui_entry", lambda: None)
    assert main(["train", "healthy-switch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--answers" in err


def test_glossary_printout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--glossary"]) == 0
    out = capsys.readouterr().out
    assert "== Q.850 release causes" in out and "== Session timers (RFC 4028)" in out
    assert out.count("Reference: ") == len(glossary.entries())
    assert main(["train", "--glossary", "487", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["glossary"][0]["term"] == "SIP 487 Request Terminated"
    assert data["glossary"][0]["reference"]


def test_list_names_broken_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "scenario.yaml").write_text("id: broken\n")
    monkeypatch.setenv("DROPWIZARD_SCENARIOS_PATH", str(tmp_path))
    assert main(["train"]) == 0
    captured = capsys.readouterr()
    assert "1 scenario(s) have problems" in captured.err
    assert "broken" not in captured.out
