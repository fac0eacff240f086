"""A walk ends in one diagnosis; the export still names what else the evidence found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropwizard.cli import main
from dropwizard.transcript.export import also_seen, export_text
from dropwizard.transcript.log import read_events


def test_also_seen_skips_reached_and_minor_findings() -> None:
    reached = [{"id": "rtp_timeout", "gateway": "A"}]
    evidence = [
        {
            "name": "cdr.findings",
            "data": {
                "findings": [
                    {"id": "rtp_timeout", "gateway": "A", "severity": "high"},
                    {"id": "rtp_timeout", "gateway": "B", "severity": "medium", "calls": 3},
                    {"id": "max_call_duration", "gateway": "C", "severity": "low"},
                    {"id": "provider_rejection", "gateway": "D", "severity": "high"},
                ]
            },
        }
    ]
    out = also_seen(reached, evidence)
    assert [(f["id"], f["gateway"]) for f in out] == [
        ("provider_rejection", "D"),
        ("rtp_timeout", "B"),
    ]


def test_demo_walk_export_names_the_other_planted_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{}")
    transcript = tmp_path / "walk.jsonl"
    args = ["run", "--source", "demo", "--answers", str(answers), "--transcript", str(transcript)]
    assert main(args) == 0
    capsys.readouterr()
    events, _ = read_events(transcript)
    report = json.loads(export_text(events, "json"))
    reached = {f["id"] for f in report["findings"]}
    others = {(f["id"], f["gateway"]) for f in report["also_seen"]}
    planted = {
        ("session_timer_expiry", "PRV-Zetta-Route2"),
        ("provider_rejection", "PRV-TeleCC-Direct"),
        ("rtp_timeout", "CUST-Kingcall-NAT"),
    }
    assert len(reached) == 1
    assert {p for p in planted if p[0] not in reached} <= others
    ticket = export_text(events, "ticket")
    assert "ALSO SEEN IN THE EVIDENCE" in ticket
