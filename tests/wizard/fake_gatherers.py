"""Scripted gatherers for the wizard tests, loaded through DROPWIZARD_GATHERERS.

`DW_TEST_FACTS` names a JSON file {gatherer name: facts or {"status": ..., "facts": ...}};
`DW_TEST_SLEEP` makes the gatherers named in `DW_TEST_SLOW` (all when unset) sleep that many
seconds first, so a test can kill the walk while it waits.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any

from dropwizard.evidence import Evidence, Status
from dropwizard.gather import GatherContext, Registry

NAMES = ("fake.causes", "fake.durations", "fake.probe")


def _script() -> dict[str, Any]:
    path = os.environ.get("DW_TEST_FACTS")
    if not path:
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def make(name: str):
    def gather(ctx: GatherContext, params: Mapping[str, Any]) -> Evidence:
        delay = float(os.environ.get("DW_TEST_SLEEP", "0") or 0)
        slow = os.environ.get("DW_TEST_SLOW")
        if delay and (slow is None or name in slow.split(",")):
            time.sleep(delay)
        entry = _script().get(name)
        if entry is None:
            return Evidence(name, "test", name, Status.SKIPPED, "no scripted facts")
        if "facts" in entry:
            status, facts, data = entry.get("status", "ok"), entry["facts"], entry.get("data", {})
        else:
            status, facts, data = "ok", entry, {}
        return Evidence(name, "test", name, status, f"{len(facts)} scripted facts", facts, data)

    gather.__doc__ = f"Scripted facts for {name}."
    return gather


def register(reg: Registry) -> None:
    for name in NAMES:
        reg.add(name, make(name))
