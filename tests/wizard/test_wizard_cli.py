"""`dropwizard flows`, `run` and `resume` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from wizard_helpers import FLOWS, cli_env

from dropwizard.cli import main
from dropwizard.wizard.loader import flow_files, shipped_dir
from dropwizard.wizard.schema import schema_text

FACTS_102 = {
    "fake.causes": {"top_cause": 102, "top_cause_share": 0.37, "calls": 120},
    "fake.probe": {"stopped": True, "gap_s": 30.2},
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    out = cli_env(tmp_path, FACTS_102)
    for key, value in out.items():
        if key.startswith(("DROPWIZARD_", "DW_TEST_")):
            monkeypatch.setenv(key, value)
    return out


class Result:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def dw_here(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run the command line in this process (the environment comes from the env fixture)."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return Result(code, out, err)


def dw(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dropwizard", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_schema_file_is_current() -> None:
    assert (shipped_dir() / "schema.json").read_text() == schema_text()


def test_flows_schema_command_prints_the_file(env: dict[str, str], capsys) -> None:
    out = dw_here(capsys, "flows", "schema")
    assert out.returncode == 0
    assert out.stdout == (shipped_dir() / "schema.json").read_text()
    schema = json.loads(out.stdout)
    assert schema["$defs"]["Node"]["properties"]["type"]["enum"] == [
        "ask",
        "check",
        "finding",
        "end",
    ]


def test_flows_check(env: dict[str, str], tmp_path: Path, capsys) -> None:
    ok = dw_here(capsys, "flows", "check", str(FLOWS))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (FLOWS / "mini.yaml")
        .read_text()
        .replace("next: f_normal", "next: nowhere")
        .replace("    explain: The end.\n", "")
    )
    out = dw_here(capsys, "flows", "check", str(FLOWS), str(bad))
    assert out.returncode == 2
    lines = out.stdout.splitlines()
    assert all(re.match(rf"^{re.escape(str(bad))}:\d+: ", line) for line in lines), lines
    assert any("route to a missing node 'nowhere'" in line for line in lines)
    assert any("missing explain" in line for line in lines)
    assert "problems in 3 flow files" in out.stderr
    everything = dw_here(capsys, "flows", "check")
    assert everything.returncode == 0, everything.stdout
    count = len(flow_files(shipped_dir())) + len(flow_files(FLOWS))
    assert f"{count} flow files and " in everything.stderr
    assert "checked, no problems" in everything.stderr


def test_flows_list_and_graph(env: dict[str, str], capsys) -> None:
    out = dw_here(capsys, "flows", "list")
    assert out.returncode == 0
    assert re.search(r"^mini\s+v2\s+user\s+Mini flow", out.stdout, re.M)
    mermaid = dw_here(capsys, "flows", "graph", "mini", "--format", "mermaid")
    assert mermaid.returncode == 0
    assert mermaid.stdout.startswith("flowchart TD\n")
    assert 'n_causes -->|"102"| n_f_rtp' in mermaid.stdout
    assert "n_end([" in mermaid.stdout
    dot = dw_here(capsys, "flows", "graph", "mini", "--format", "dot")
    assert dot.stdout.startswith('digraph "mini" {')
    assert '"causes" -> "f_rtp" [label="102"];' in dot.stdout
    missing = dw_here(capsys, "flows", "graph", "nope")
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "no flow named 'nope'" in missing.stderr


def test_run_prints_path_and_diagnosis(env: dict[str, str], tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("start: one_call\n")
    transcript = tmp_path / "t.jsonl"
    out = dw(
        env, "run", "--flow", "mini", "--answers", str(answers), "--transcript", str(transcript)
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "1. start -> one_call  (answer; the evidence supports none of the options)" in text
    assert "2. causes -> cause102  (proposal: 37 % ended with 102 (120 calls).)" in text
    assert "rtp_timeout (high): RTP timeout" in text
    assert "FIX: Enable media proxy [System Parameters -> Media -> RTP Timeout]" in text
    assert "WORKAROUND: Raise the RTP timeout" in text
    assert "Never shown" not in text
    events = read_lines(transcript)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "session_started" and events[0]["mode"] == "headless"
    assert events[-1]["type"] == "end"
    assert [e["by"] for e in events if e["type"] == "choice"] == ["answers", "proposal", "proposal"]


def test_run_records_an_answer_that_overrides_the_proposal(env, tmp_path: Path, capsys) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"causes": "other"}))
    transcript = tmp_path / "t.jsonl"
    out = dw_here(
        capsys, "run", "--flow", "mini", "--answers", str(answers), "--transcript", str(transcript)
    )
    assert out.returncode == 0, out.stderr
    assert "causes -> other  (override by answers; proposed cause102:" in out.stdout
    assert "start -> many  (default;" in out.stdout
    overrides = [e for e in read_lines(transcript) if e["type"] == "override"]
    assert [(o["proposed"], o["chosen"]) for o in overrides] == [("cause102", "other")]


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ("start: many\nnope: x\n", "answers.yaml:2: flow mini has no node 'nope'"),
        ("causes: cause99\n", "answers.yaml:1: node causes has no option 'cause99'"),
        ("- a list\n", "answers.yaml:1: answers must map node id to option id"),
        ("start: [\n", "answers.yaml:2: YAML syntax error"),
    ],
)
def test_run_bad_answers_is_one_line_exit_2(
    env, tmp_path: Path, capsys, answers: str, message: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(answers)
    out = dw_here(capsys, "run", "--flow", "mini", "--answers", str(path))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1, out.stderr
    assert message in out.stderr


def test_run_stops_at_a_node_nothing_decides(env, tmp_path: Path, capsys) -> None:
    (tmp_path / "facts.json").write_text("{}")
    transcript = tmp_path / "t.jsonl"
    out = dw_here(capsys, "run", "--flow", "mini", "--transcript", str(transcript))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "node causes needs an answer" in out.stderr
    assert "options: cause16, cause102, other" in out.stderr
    assert read_lines(transcript)[-1]["type"] == "proposal"
    answers = tmp_path / "a.yaml"
    answers.write_text("causes: cause16\n")
    resumed = dw_here(capsys, "resume", str(transcript), "--answers", str(answers))
    assert resumed.returncode == 0, resumed.stderr
    assert "normal_clearing (info)" in resumed.stdout


def test_run_unknown_flow(env, capsys) -> None:
    out = dw_here(capsys, "run", "--flow", "nope")
    assert out.returncode == 2 and "no flow named 'nope'" in out.stderr


def wait_for(path: Path, predicate, timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_text().splitlines()
            try:
                events = [json.loads(line) for line in lines]
            except json.JSONDecodeError:
                events = []
            if events and predicate(events):
                return events
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting on {path}")


def test_sigkill_mid_walk_then_resume(env: dict[str, str], tmp_path: Path) -> None:
    slow = dict(env, DW_TEST_SLEEP="60", DW_TEST_SLOW="fake.probe")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dropwizard", "run", "--flow", "slow"],
        env=slow,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sessions = tmp_path / "data" / "sessions"
    try:
        deadline = time.monotonic() + 30
        while not (sessions.exists() and list(sessions.glob("*.jsonl"))):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        (path,) = sessions.glob("*.jsonl")
        before = wait_for(
            path, lambda evs: evs[-1]["type"] == "node_entered" and evs[-1]["node"] == "c2"
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    killed = read_lines(path)
    assert killed == before
    assert [e["type"] for e in killed][-3:] == ["proposal", "choice", "node_entered"]

    out = dw(env, "resume")
    assert out.returncode == 0, out.stderr
    assert f"resuming {path.stem} at c2" in out.stderr
    assert "rtp_timeout (high)" in out.stdout
    assert "c2 -> stopped  (proposal: RTP stopped 30 s before the BYE)" in out.stdout

    after = read_lines(path)
    assert after[: len(killed)] == killed
    assert [e["seq"] for e in after] == list(range(1, len(after) + 1))
    resumed = after[len(killed) :]
    assert resumed[0]["type"] == "evidence" and resumed[0]["node"] == "c2"
    assert [e["type"] for e in resumed] == [
        "evidence",
        "proposal",
        "choice",
        "node_entered",
        "finding",
        "end",
    ]
    assert sum(1 for e in after if e["type"] == "session_started") == 1
    again = dw(env, "resume")
    assert again.returncode == 2 and "no unfinished session" in again.stderr


def test_resume_after_a_torn_last_line(env: dict[str, str], tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    (tmp_path / "facts.json").write_text("{}")
    first = dw(env, "run", "--flow", "mini", "--transcript", str(transcript))
    assert first.returncode == 2
    good = transcript.read_text()
    with transcript.open("a") as fh:
        fh.write('{"seq": 99, "ts": "2026-11-28T')
    answers = tmp_path / "a.yaml"
    answers.write_text("causes: cause102\n")
    out = dw(env, "resume", str(transcript), "--answers", str(answers))
    assert out.returncode == 0, out.stderr
    assert "torn last line" in out.stderr
    text = transcript.read_text()
    assert text.startswith(good)
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["type"] == "end"
