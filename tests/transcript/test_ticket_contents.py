"""What a ticket tells the carrier: the window analysed, evidence once, words not keys."""

from __future__ import annotations

import json
from typing import Any

from dropwizard.transcript.export import build_report, export_text, md

WINDOW = {"since": "2026-11-27T00:00:13Z", "until": "2026-11-28T00:20:30Z"}
CSV = "/root/exports/cdr-noc-internal-8613800138000.csv"


def events(*items: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"seq": i, "ts": "2026-11-28T14:00:00.000Z", "type": t, **f}
        for i, (t, f) in enumerate(items, 1)
    ]


def started(**kw: Any) -> tuple[str, dict[str, Any]]:
    fields = {
        "session_id": "s",
        "flow": "call-drop",
        "user": "root",
        "host": "vm",
        "source": "demo",
    }
    fields.update(kw)
    return ("session_started", fields)


def cdr(name: str, summary: str, window: dict | None = WINDOW, **data: Any) -> tuple:
    if window is not None:
        data["window"] = window
    record = {"name": name, "kind": "cdr", "status": "warn", "summary": summary, "data": data}
    return ("evidence", {"node": "step1", "evidence": record})


PROVIDER = {
    "id": "provider_rejection",
    "title": "Upstream provider rejection",
    "severity": "high",
    "confidence": 0.95,
    "gateway": "PRV-TeleCC-Direct",
    "side": "callee",
    "calls": 409,
    "evidence": [
        "PRV-TeleCC-Direct rejected 467 of 794 attempts.",
        "The session was started for a time window.",
    ],
    "data": {
        "status": "503",
        "window": {"start": "2026-11-27T14:00:00Z", "end": "2026-11-27T15:10:00Z"},
        "baseline_rate": 0.0736,
        "burst_rate": 0.5882,
        "rejected": 467,
        "attempts": 794,
        "share": 0.0159,
        "pdd_p50_ms": 1810,
        "category": "upstream",
    },
}


def window_session(**kw: Any) -> list[dict[str, Any]]:
    scope = {"kind": "window", "since": None, "until": None, "gateway": None}
    return events(
        started(**kw),
        ("scope", {"scope": scope}),
        ("node_entered", {"node": "start", "title": "START: Call Drop Reported"}),
        (
            "proposal",
            {
                "node": "start",
                "option": "window",
                "label": "Drops across the switch in a time window",
                "reason": "The session was started for a time window.",
                "facts": {"scope.kind": "window"},
            },
        ),
        (
            "choice",
            {
                "node": "start",
                "option": "window",
                "next": "step1",
                "by": "proposal",
                "label": "Drops across the switch in a time window",
            },
        ),
        ("node_entered", {"node": "step1", "title": "[1] Check CDR Release Cause Code"}),
        cdr("cdr.durations", "spike of drops at 1768 s"),
        cdr("cdr.durations", "spike of drops at 1768 s"),
        (
            "proposal",
            {
                "node": "step1",
                "option": "cause41",
                "label": "41 (Temporary Failure)",
                "reason": "Cause 41 dominates (97 %).",
                "facts": {"cdr.causes.top_cause": 41, "cdr.causes.top_cause_share": 0.97},
            },
        ),
        (
            "choice",
            {
                "node": "step1",
                "option": "cause41",
                "next": "f_provider_503",
                "by": "proposal",
                "label": "41 (Temporary Failure)",
            },
        ),
        ("node_entered", {"node": "f_provider_503", "title": "Provider capacity issue (503)"}),
        ("finding", {"node": "f_provider_503", "finding": PROVIDER, "fixes": []}),
        ("end", {"node": "f_provider_503", "outcome": "diagnosed"}),
    )


def test_window_is_the_one_the_cdr_evidence_analysed() -> None:
    evs = window_session()
    report = build_report(evs)
    assert report["window"] == WINDOW
    ticket = export_text(evs, "ticket")
    assert "start .. now" not in ticket
    assert "  Window:  2026-11-27T00:00:13Z .. 2026-11-28T00:20:30Z (UTC, analysed)" in ticket


def test_a_call_ticket_shows_the_call_time_the_analysed_window_and_the_call_ids() -> None:
    around = {"since": "2026-11-26T19:04:00Z", "until": "2026-11-27T19:04:00Z"}
    leg = {
        "flowno": 17002222,
        "caller": "14392570594",
        "callee": "86131693292",
        "start": "2026-11-27T07:03:53Z",
        "callercallid": "a3f1c9e2@10.0.0.1",
        "calleecallid": "77b4-4d0e@10.0.0.2",
    }
    scope = {
        "kind": "call",
        "since": "2026-11-27T07:02:00Z",
        "until": "2026-11-27T07:06:00Z",
        "number": "86131693292",
        "at": "2026-11-27T07:04:00Z",
    }
    evs = events(
        started(),
        ("scope", {"scope": scope}),
        cdr("cdr.causes", "Call ended with 102", around, call={"found": True, "legs": [leg]}),
    )
    ticket = export_text(evs, "ticket")
    assert "07:02:00Z .. 2026-11-27T07:06:00Z" not in ticket
    assert "  Call:    86131693292 at 2026-11-27T07:04:00Z (UTC)" in ticket
    assert "2026-11-26T19:04:00Z .. 2026-11-27T19:04:00Z (UTC, analysed)" in ticket
    assert "  Call-ID: a3f1c9e2@10.0.0.1 (SIP Call-ID, caller leg)" in ticket
    assert "  Call-ID: 77b4-4d0e@10.0.0.2 (SIP Call-ID, callee leg)" in ticket


def test_non_evidence_reasons_and_repeated_records_are_left_out() -> None:
    evs = window_session()
    report = build_report(evs)
    (finding,) = report["findings"]
    assert finding["evidence"] == ["PRV-TeleCC-Direct rejected 467 of 794 attempts."]
    ticket = export_text(evs, "ticket")
    key = ticket.split("KEY EVIDENCE", 1)[1].split("\nFIXES", 1)[0]
    assert "started for a time window" not in key
    assert ticket.count("spike of drops at 1768 s") == 1
    checked = ticket.split("WHAT WAS CHECKED", 1)[1].split("\nPATH TAKEN", 1)[0]
    assert "cdr.durations" not in checked


def test_measured_values_have_labels_and_units_and_no_nulls() -> None:
    evs = window_session()
    ticket = " ".join(export_text(evs, "ticket").split())
    assert "share of the gateway's calls 1.6 %" in ticket
    assert "gateway's usual rejection rate 7.4 %" in ticket
    assert "median post-dial delay 1810 ms" in ticket
    assert "share 0.0159" not in ticket and "baseline_rate" not in ticket
    assert "null" not in ticket
    rtp = dict(PROVIDER, id="rtp_timeout", data={"rtp_timeout_s": 30, "window": None})
    evs = events(started(), ("finding", {"node": "f", "finding": rtp, "fixes": []}))
    ticket = " ".join(export_text(evs, "ticket").split())
    assert "Measured: RTP timeout 30 s." in ticket


def test_path_shows_titles_and_labels_not_ids_or_fact_names() -> None:
    evs = window_session()
    ticket = export_text(evs, "ticket")
    path = ticket.split("PATH TAKEN", 1)[1]
    flat = " ".join(path.split())
    assert "1. START: Call Drop Reported\n" in path
    assert "Chose: Drops across the switch in a time window (accepted the proposal)" in flat
    assert "Evidence read: top cause 41; top cause share 97 %" in flat
    for internal in ("(start)", "(step1)", "cause41", "cdr.causes.", "scope.kind", "-> step1"):
        assert internal not in path
    markdown = export_text(evs, "markdown").split("## Path taken", 1)[1]
    assert "`start`" not in markdown and "cause41" not in markdown
    report = json.loads(export_text(evs, "json"))
    decision = report["path"][1]
    assert (decision["chosen"], decision["chosen_label"]) == ("cause41", "41 (Temporary Failure)")


def test_excess_calls_are_labelled_and_the_carrier_is_asked_to_act() -> None:
    evs = window_session()
    ticket = " ".join(export_text(evs, "ticket").split())
    assert "about 409 rejections above the gateway's usual rate" in ticket
    assert ", 409 calls" not in ticket
    assert "REQUESTED ACTION" in ticket
    action = build_report(evs)["requested_action"]
    assert "PRV-TeleCC-Direct" in action and "capacity" in action
    assert "2026-11-27T14:00:00Z" in action and "467 of 794" in action


def test_session_timer_on_the_provider_side_asks_for_refresh_handling() -> None:
    timer = {
        "id": "session_timer_expiry",
        "title": "SIP session timer expiry",
        "severity": "high",
        "confidence": 0.9,
        "gateway": "PRV-Zetta-Route2",
        "side": "callee",
        "calls": 30,
        "data": {"timer_s": 1768, "implied_session_expires": 1800},
    }
    evs = events(started(), ("finding", {"node": "f", "finding": timer, "fixes": []}))
    action = build_report(evs)["requested_action"]
    assert "refresh" in action and "1768 s" in action and "1800 s" in action
    customer = dict(timer, side="caller")
    evs = events(started(), ("finding", {"node": "f", "finding": customer, "fixes": []}))
    assert build_report(evs)["requested_action"] is None
    assert "REQUESTED ACTION" not in export_text(evs, "ticket")


def test_redaction_hides_who_prepared_it_and_the_local_source_path() -> None:
    evs = window_session(source=CSV)
    evs.insert(
        2,
        {
            "seq": 0,
            "ts": "x",
            "type": "evidence",
            "node": "step1",
            "evidence": {"name": "cdr.chains", "status": "ok", "summary": "ok", "asked": CSV},
        },
    )
    for fmt in ("ticket", "markdown", "json"):
        text = export_text(evs, fmt, redact=True)
        assert "root@vm" not in text and '"vm"' not in text and '"root"' not in text
        assert "/root/exports" not in text and "cdr-noc-internal" not in text
        assert "CSV export (.csv)" in text
    plain = export_text(evs, "ticket")
    assert "Prepared by root@vm" in plain and CSV in plain


def test_markdown_keeps_code_spans_as_code() -> None:
    text = "prefer `dropwizard probe sip_capture` and a*b"
    assert md(text) == "prefer `dropwizard probe sip_capture` and a\\*b"
    assert md("a stray ` tick") == "a stray \\` tick"
    assert md("`a|b` | c", table=True) == "`a\\|b` \\| c"
    fix = {"kind": "fix", "text": "Run `sysctl --system` then check."}
    finding = dict(PROVIDER, evidence=[])
    evs = events(started(), ("finding", {"node": "f", "finding": finding, "fixes": [fix]}))
    markdown = export_text(evs, "markdown")
    assert "Run `sysctl --system` then check." in markdown
    assert "\\`" not in markdown


def test_a_walk_stopped_before_any_diagnosis_says_so() -> None:
    """An end node other than the flow's `end` (call not found) is no 'No fault found'."""
    evs = events(
        started(),
        ("node_entered", {"node": "step1", "title": "Step 1"}),
        (
            "choice",
            {
                "node": "step1",
                "option": "call_not_found",
                "next": "call_not_found",
                "by": "proposal",
            },
        ),
        (
            "node_entered",
            {"node": "call_not_found", "title": "STOPPED: the call is not in the CDRs"},
        ),
        ("end", {"node": "call_not_found", "outcome": "resolved"}),
    )
    text = export_text(evs, "ticket")
    assert "STOPPED: the call is not in the CDRs" in text.split("DIAGNOSIS", 1)[0]
    assert "Outcome: stopped at" in text and "No fault found" not in text
