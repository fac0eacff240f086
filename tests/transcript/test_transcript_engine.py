"""A real session (engine, demo CDRs, transcript) exported: the layers agree."""

from __future__ import annotations

import json
from pathlib import Path

from dropwizard.scope import Scope
from dropwizard.session import Session
from dropwizard.transcript.export import WIDTH, export_text
from dropwizard.transcript.log import read_events
from dropwizard.wizard.headless import walk


def test_a_demo_walk_with_a_step_back_exports_what_the_engine_did(tmp_path: Path) -> None:
    path = tmp_path / "walk.jsonl"
    scope = Scope.for_call("12686253108@2026-11-27T06:57:49")
    with Session.create(
        flow="call-drop", source="demo", scope=scope, mode="headless", transcript=path
    ) as session:
        engine = session.engine
        walk(engine, {})
        engine.back(to=engine.path[-1].node)
        engine.note("Checked with the customer: +86 126 8625 3108 | retried twice.")
        walk(engine, {})
        taken = [(s.node, s.option) for s in engine.path]
        findings = [f.id for f in engine.findings]

    events, warnings = read_events(path)
    assert warnings == []
    report = json.loads(export_text(events, "json"))
    effective: list[tuple[str, str]] = []  # the path once every step back is applied
    for p in report["path"]:
        if p["kind"] == "decision":
            effective.append((p["node"], p["chosen"]))
        else:
            hits = [i for i, (node, _) in enumerate(effective) if node == p["to"]]
            del effective[hits[-1] :]
    assert effective == taken
    assert sum(p["kind"] == "back" for p in report["path"]) == 1
    assert sorted(f["id"] for f in report["findings"]) == sorted(set(findings))
    assert report["outcome"]["outcome"] == "diagnosed"
    assert report["scope"]["number"] == "12686253108"

    commands = {
        c for f in report["findings"] for fix in f["fixes"] for c in fix.get("commands", [])
    }
    for redact in (False, True):
        ticket = export_text(events, "ticket", redact=redact)
        for line in ticket.splitlines():
            assert len(line) <= WIDTH or line.strip() in commands, line
        title = report["findings"][0]["title"]
        assert f"\nHEADLINE\n  {title} (severity" in ticket
    redacted = export_text(events, "markdown", redact=True)
    assert "12686253108" not in redacted and "126 8625" not in redacted
    assert "\\*\\*\\*\\*3108" in redacted
