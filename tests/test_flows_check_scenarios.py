"""`dropwizard flows check` validates training scenarios as well as flows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dropwizard.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_flows_and_scenarios_are_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flows", "check", str(ROOT / "flows")]) == 0
    err = capsys.readouterr().err
    assert "1 flow file and" in err
    scenarios = [
        p for p in (ROOT / "flows" / "scenarios").iterdir() if (p / "scenario.yaml").is_file()
    ]
    assert f"{len(scenarios)} scenarios checked, no problems" in err


def test_a_broken_scenario_is_reported_by_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = ROOT / "flows" / "scenarios" / "healthy-switch"
    dst = tmp_path / "healthy-switch"
    shutil.copytree(src, dst)
    text = (dst / "scenario.yaml").read_text().splitlines()
    text.insert(1, "no_such_key: 1")
    (dst / "scenario.yaml").write_text("\n".join(text) + "\n")
    assert main(["flows", "check", str(dst)]) == 2
    out = capsys.readouterr().out
    assert f"{dst / 'scenario.yaml'}:2: unknown key `no_such_key`" in out
