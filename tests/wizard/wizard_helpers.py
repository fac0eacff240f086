"""Shared pieces of the flow engine tests: paths and scripted gatherers."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dropwizard.evidence import Evidence, Status
from dropwizard.gather import GatherContext, Registry

HERE = Path(__file__).parent
FLOWS = HERE / "flows"
FAKE_GATHERERS = HERE / "fake_gatherers.py"


def scripted_registry(script: Mapping[str, Any], calls: list[str] | None = None) -> Registry:
    """A registry whose gatherers return the scripted facts (or status/facts/data entries)."""
    reg = Registry()

    def make(name: str):
        def gather(ctx: GatherContext, params: Mapping[str, Any]) -> Evidence:
            if calls is not None:
                calls.append(name)
            entry = script[name]
            if "facts" in entry:
                return Evidence(
                    name,
                    "test",
                    name,
                    entry.get("status", "ok"),
                    "scripted",
                    dict(entry["facts"]),
                    dict(entry.get("data", {})),
                )
            return Evidence(name, "test", name, Status.OK, "scripted", dict(entry))

        return gather

    for name in script:
        reg.add(name, make(name))
    return reg


def cli_env(tmp_path: Path, facts: Mapping[str, Any]) -> dict[str, str]:
    """The environment of a `dropwizard` subprocess on the test flows and fake gatherers, with
    `facts` as the gathered facts and its config and data under `tmp_path`."""
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    out = dict(os.environ)
    out.update(
        {
            "DROPWIZARD_CONFIG": str(tmp_path / "no-config.toml"),
            "DROPWIZARD_DATA_DIR": str(tmp_path / "data"),
            "DROPWIZARD_FLOWS_PATH": str(FLOWS),
            "DROPWIZARD_GATHERERS": str(FAKE_GATHERERS),
            "DW_TEST_FACTS": str(path),
            "PYTHONUNBUFFERED": "1",
        }
    )
    out.pop("DW_TEST_SLEEP", None)
    out.pop("DW_TEST_SLOW", None)
    return out
