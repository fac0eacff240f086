"""Shared fixtures: the shipped scenarios, each with its generated CDR source opened once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dropwizard.training.scenario import Scenario, list_scenarios, shipped_dir

DATA = Path(__file__).parent / "data"
SHIPPED = sorted(p.name for p in shipped_dir().iterdir() if (p / "scenario.yaml").is_file())

_sources: dict[str, Any] = {}
_scenarios: dict[str, Scenario] = {}


def shipped(name: str) -> Scenario:
    """A shipped scenario, loaded once per test process."""
    if not _scenarios:
        _scenarios.update({s.id: s for s in list_scenarios()})
    return _scenarios[name]


def source_for(sc: Scenario) -> Any:
    """The scenario's generated CDR source, built once per test process (read-only use)."""
    from dropwizard.training.run import open_scenario_source

    if sc.id not in _sources:
        _sources[sc.id] = open_scenario_source(sc)
    return _sources[sc.id]


@pytest.fixture(scope="session", autouse=True)
def _close_sources() -> Iterator[None]:
    yield
    for src in _sources.values():
        src.close()
    _sources.clear()


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A copy of the `good` test scenario and its mini flow, to edit."""
    shutil.copy(DATA / "mini-flow.yaml", tmp_path / "mini-flow.yaml")
    shutil.copytree(DATA / "good", tmp_path / "good")
    return tmp_path / "good"


def edit(d: Path, old: str, new: str) -> Path:
    """Replace the first `old` in the scenario file of `d`."""
    p = d / "scenario.yaml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    return p
