"""Exports of a transcript: golden files, ticket layout, redaction, secrets, ranking.

The golden files under tests/transcript/golden/ are the exact expected exports of the sample
session (tests/transcript/sample_session.py). After an intended change of the export format,
regenerate them and review the diff:

    DROPWIZARD_UPDATE_GOLDENS=1 .venv/bin/pytest tests/transcript -p no:cacheprovider
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropwizard.diagnosis.finding import FINDING_IDS
from dropwizard.transcript.export import WIDTH, build_report, export_text, sample_text, samples_of
from dropwizard.transcript.log import EVENT_TYPES, TranscriptLog, read_events

from .sample_session import CALLEE, CALLER, COMMANDS, PASSWORD, SESSION_MENU

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("DROPWIZARD_UPDATE_GOLDENS") == "1"
NAMES = {"ticket": "session.ticket.txt", "markdown": "session.md", "json": "session.json"}


def golden_name(fmt: str, redact: bool) -> str:
    stem, ext = NAMES[fmt].rsplit(".", 1)
    return f"{stem}.redacted.{ext}" if redact else NAMES[fmt]


@pytest.fixture
def events(sample_transcript: Path) -> list[dict]:
    evs, warnings = read_events(sample_transcript)
    assert warnings == []
    return evs


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redacted"])
@pytest.mark.parametrize("fmt", ["markdown", "ticket", "json"])
def test_export_matches_golden(events: list[dict], fmt: str, redact: bool) -> None:
    text = export_text(events, fmt, redact=redact)
    path = GOLDEN / golden_name(fmt, redact)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with DROPWIZARD_UPDATE_GOLDENS=1"
    assert text.encode("utf-8") == path.read_bytes()


def test_export_is_deterministic_and_independent_of_the_file(
    events: list[dict], tmp_path: Path, sample_transcript: Path
) -> None:
    from .sample_session import write_sample_transcript

    again, _ = read_events(write_sample_transcript(tmp_path / "other" / "copy.jsonl"))
    for fmt in ("ticket", "markdown", "json"):
        assert export_text(events, fmt) == export_text(again, fmt)


def test_ticket_lines_fit_72_columns_except_verbatim_commands(events: list[dict]) -> None:
    for redact in (False, True):
        text = export_text(events, "ticket", redact=redact)
        long = [line for line in text.splitlines() if len(line) > WIDTH]
        assert long, "the sample holds commands longer than 72 columns"
        for line in long:
            assert line.startswith("      ") and line.strip() in COMMANDS, line


def test_ticket_keeps_commands_and_menu_paths_whole_on_their_own_lines(
    events: list[dict],
) -> None:
    lines = export_text(events, "ticket").splitlines()
    for command in COMMANDS:
        assert f"      {command}" in lines
    assert f"      Menu: {SESSION_MENU}" in lines
    md = export_text(events, "markdown").splitlines()
    for command in COMMANDS:
        assert f"  {command}" in md


def test_ticket_sections_in_order(events: list[dict]) -> None:
    text = export_text(events, "ticket")
    heads = [
        "HEADLINE",
        "SCOPE",
        "DIAGNOSIS",
        "KEY EVIDENCE",
        "FIXES",
        "WHAT WAS CHECKED",
        "PATH TAKEN",
        "NOTES",
    ]
    positions = [text.index(f"\n{h}\n") for h in heads]
    assert positions == sorted(positions)
    assert "\n  SIP session timer expiry (severity HIGH)\n" in text
    assert text.rstrip().endswith(
        "Prepared by alice@vos-mon-01 at 2026-11-28T14:10:42.500Z with dropwizard\n0.1.0"
    )
    for label in ("    FIX: ", "    WORKAROUND: ", "    CHECK: "):
        assert f"\n{label}" in text
    # key evidence carries the sample call ids and their UTC start times
    assert "a3f1c9e2-77b4-4d0e-9c1a-5e8b2d6f0a14@10.20.30.41 at" in text
    assert "2026-11-28T12:40:03Z" in text


def test_findings_are_ranked_and_an_undone_branch_is_dropped(events: list[dict]) -> None:
    report = build_report(events)
    assert [f["id"] for f in report["findings"]] == ["session_timer_expiry", "firewall_udp_timeout"]
    assert [f["rank"] for f in report["findings"]] == [1, 2]
    ticket = export_text(events, "ticket")
    assert "RTP timeout [" not in ticket and "Enable media proxy" not in ticket
    backs = [p for p in report["path"] if p["kind"] == "back"]
    assert backs == [
        {
            "kind": "back",
            "seq": 22,
            "from": "f_rtp_timeout",
            "to": "step2",
            "from_title": "RTP timeout",
            "to_title": "[2] Timeout analysis",
        }
    ]
    overridden = [p for p in report["path"] if p.get("override")]
    assert len(overridden) == 1 and overridden[0]["override"]["chosen"] == "silence"


def test_json_export_shape(events: list[dict]) -> None:
    obj = json.loads(export_text(events, "json"))
    assert sorted(obj) == [
        "also_seen",
        "evidence",
        "findings",
        "notes",
        "outcome",
        "path",
        "requested_action",
        "scope",
        "session",
        "window",
    ]
    assert obj["outcome"] == {
        "node": "end",
        "outcome": "diagnosed",
        "ts": obj["session"]["last_ts"],
    }
    assert all("raw" not in ev for ev in obj["evidence"])
    assert [ev["seq"] for ev in obj["evidence"]] == sorted(ev["seq"] for ev in obj["evidence"])
    assert obj["scope"]["number"] == CALLER


def test_no_export_ever_holds_the_password(events: list[dict], sample_transcript: Path) -> None:
    assert PASSWORD not in sample_transcript.read_text()
    # a transcript written by something that did not scrub is scrubbed on export too
    dirty = [dict(e) for e in events]
    dirty[0]["source"] = f"mysql://report:{PASSWORD}@10.20.30.40/vos3000"
    dirty[0]["db_password"] = PASSWORD
    for fmt in ("ticket", "markdown", "json"):
        for redact in (False, True):
            assert PASSWORD not in export_text(dirty, fmt, redact=redact)


def test_redacted_exports_keep_only_the_last_4_digits(events: list[dict]) -> None:
    plain = export_text(events, "json")
    assert CALLER in plain and "+86 138 0013 8000" in plain
    for fmt in ("ticket", "markdown", "json"):
        text = export_text(events, fmt, redact=True)
        digits = re.sub(r"\D", "", text)
        assert "13800138" not in digits.replace("13800138000", "")
        for number in (CALLER, CALLEE, "138 0013", "7946-0958", "20 7946"):
            assert number not in text
        assert "8000" in text and "0958" in text
        assert "10.20.30.40" in text  # IP addresses stay
        assert "2026-11-28T13:35:30Z" in text  # UTC times stay


def test_markdown_tables_escape_pipes(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with TranscriptLog.create(path) as log:
        log.append("session_started", {"session_id": "s", "flow": "call-drop"})
        log.append(
            "evidence",
            {
                "node": "step1",
                "evidence": {"name": "probe.x", "status": "ok", "summary": "a | b || c"},
            },
        )
    text = export_text(read_events(path)[0], "markdown")
    row = next(line for line in text.splitlines() if line.startswith("| `probe.x`"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5
    assert "a \\| b \\|\\| c" in row


def test_an_unfinished_session_without_findings(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with TranscriptLog.create(path) as log:
        log.append("session_started", {"session_id": "s", "user": "bob", "host": "h"})
        log.append("node_entered", {"node": "start", "title": "What was reported?"})
    events = read_events(path)[0]
    ticket = export_text(events, "ticket")
    assert "\nHEADLINE\n  No fault found\n" in ticket
    assert "Outcome: unfinished (last event at" in ticket
    assert json.loads(export_text(events, "json"))["outcome"] is None
    assert "No fault found" in export_text(events, "markdown")


def test_unknown_format_is_refused(events: list[dict]) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_text(events, "pdf")


words = st.text(
    st.characters(codec="ascii", categories=("L", "N", "P", "S")), min_size=1, max_size=30
)
prose = st.lists(words, min_size=0, max_size=40).map(" ".join)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(note=prose, summary=prose, reason=prose)
def test_any_prose_wraps_within_72_columns(
    events: list[dict], note: str, summary: str, reason: str
) -> None:
    extra = [
        {"seq": 100, "ts": "2026-11-28T15:00:00.000Z", "type": "note", "node": "n", "text": note},
        {
            "seq": 101,
            "ts": "2026-11-28T15:00:01.000Z",
            "type": "evidence",
            "node": "n",
            "evidence": {"name": "probe.x", "status": "fail", "summary": summary},
        },
        {
            "seq": 102,
            "ts": "2026-11-28T15:00:02.000Z",
            "type": "proposal",
            "node": "n",
            "option": "a",
            "reason": reason,
            "facts": {},
        },
        {
            "seq": 103,
            "ts": "2026-11-28T15:00:03.000Z",
            "type": "choice",
            "node": "n",
            "option": "a",
            "next": "end",
            "by": "operator",
        },
    ]
    for line in export_text(events + extra, "ticket").splitlines():
        assert len(line) <= WIDTH or line.strip() in COMMANDS, line


def test_samples_come_from_calls_sample_lists_and_call_ids() -> None:
    leg = {
        "flowno": 17002119,
        "flownofirst": 17002119,
        "caller": "12686253108",
        "callee": "4479240928",
        "start": "2026-11-27T06:57:49Z",
        "holdtime": 1769,
        "cause": 102,
        "cause_label": "Q.850 102 Recovery on timer expiry",
        "sip_status": 200,
        "endreason": 200,
        "rtpforward": 1,
        "direction": "switch",
    }
    assert samples_of({"call": {"legs": [leg], "call": leg}}) == [leg]
    assert samples_of({"call": {"call": leg, "legs": []}}) == [leg]
    assert samples_of({"samples": {"error": ["a", "b"], "failover": ["c"]}}) == [
        "error: a",
        "error: b",
        "failover: c",
    ]
    assert samples_of({"call_ids": [f"id{i}@h" for i in range(9)]}) == [
        {"call_id": f"id{i}@h"} for i in range(5)
    ]
    assert sample_text(leg) == (
        "call 17002119 at 2026-11-27T06:57:49Z, 12686253108 -> 4479240928; holdtime 1769, "
        "cause_label Q.850 102 Recovery on timer expiry, sip_status 200, direction switch"
    )
    assert sample_text({"call_id": "x@h", "starttime": 1795872930000}) == (
        "call x@h at 2026-11-28T13:35:30Z"
    )


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
FIELDS = (
    "node",
    "title",
    "option",
    "next",
    "by",
    "proposed",
    "chosen",
    "reason",
    "text",
    "from",
    "to",
    "outcome",
    "facts",
    "scope",
    "evidence",
    "finding",
    "fixes",
    "session_id",
    "user",
)
odd_finding = st.fixed_dictionaries(
    {"id": st.sampled_from(FINDING_IDS)},
    optional={
        k: json_value | st.sampled_from(["high", "low"])
        for k in (
            "title",
            "severity",
            "confidence",
            "calls",
            "evidence",
            "recommendations",
            "data",
            "gateway",
            "side",
        )
    },
)
odd_evidence = st.fixed_dictionaries(
    {},
    optional={k: json_value for k in ("name", "status", "summary", "data", "facts", "raw")},
)
event = st.builds(
    lambda t, fields, finding, ev: {
        "ts": "2026-11-28T14:00:00.000Z",
        "type": t,
        **fields,
        **({"finding": finding} if t == "finding" else {}),
        **({"evidence": ev} if t == "evidence" else {}),
    },
    st.sampled_from(sorted(EVENT_TYPES)),
    st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=5),
    odd_finding,
    odd_evidence,
)


@settings(max_examples=30, deadline=None)
@given(st.lists(event, max_size=10))
def test_exports_never_crash_on_odd_events(events: list[dict]) -> None:
    for i, e in enumerate(events, 1):
        e["seq"] = i
    for fmt in ("ticket", "markdown", "json"):
        for redact in (False, True):
            assert export_text(events, fmt, redact=redact).endswith("\n")


def test_findings_with_odd_numbers_still_rank() -> None:
    events = [
        {"seq": 1, "ts": "t", "type": "node_entered", "node": "a"},
        {
            "seq": 2,
            "ts": "t",
            "type": "finding",
            "node": "a",
            "finding": {
                "id": "rtp_timeout",
                "title": "RTP",
                "severity": "high",
                "confidence": "very",
                "calls": True,
            },
        },
        {
            "seq": 3,
            "ts": "t",
            "type": "finding",
            "node": "a",
            "finding": {"id": "sip_alg", "title": "ALG", "severity": "medium", "confidence": 0.9},
        },
        {
            "seq": 4,
            "ts": "t",
            "type": "finding",
            "node": "a",
            "finding": {"id": "made_up", "title": "Odd", "severity": "high", "confidence": 0.1},
        },
    ]
    report = build_report(events)
    assert [f["id"] for f in report["findings"]] == ["made_up", "rtp_timeout", "sip_alg"]


def test_a_step_back_after_the_end_reopens_and_hints_are_notes() -> None:
    events = [
        {"seq": 1, "ts": "t1", "type": "node_entered", "node": "a", "title": "A"},
        {"seq": 2, "ts": "t2", "type": "hint", "node": "a", "text": "Look at the durations."},
        {
            "seq": 3,
            "ts": "t3",
            "type": "choice",
            "node": "a",
            "option": "x",
            "next": "f",
            "by": "default",
        },
        {"seq": 4, "ts": "t4", "type": "node_entered", "node": "f", "title": "F"},
        {
            "seq": 5,
            "ts": "t5",
            "type": "finding",
            "node": "f",
            "finding": {"id": "sip_alg", "title": "SIP ALG", "severity": "medium"},
        },
        {"seq": 6, "ts": "t6", "type": "end", "node": "f", "outcome": "diagnosed"},
        {"seq": 7, "ts": "t7", "type": "back", "from": "f", "to": "a"},
    ]
    report = build_report(events)
    assert report["outcome"] is None and report["findings"] == []
    assert report["notes"][0]["kind"] == "hint"
    ticket = export_text(events, "ticket")
    assert "(hint shown) Look at the durations." in ticket
    assert "(the node's default)" in ticket
    assert build_report(events[:6])["outcome"] == {"outcome": "diagnosed", "node": "f", "ts": "t6"}
