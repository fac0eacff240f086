"""Exports of a session transcript: a plain-text ticket, Markdown, or JSON.

All three are built from one report, made from the events alone: nothing depends on the current
time, host or user, so the same transcript always exports to the same bytes. Secrets are scrubbed
(`redact.scrub`); with `redact=True` phone numbers keep only their last 4 digits
(`redact.redact`: `+8613800138000` -> `****8000`).

The JSON export is that report, one object with these keys (keys sorted at every level, two-space
indent, UTF-8, a final newline):

- `session`: `session_id`, `flow`, `flow_version`, `flow_digest`, `source`, `mode`, `user`,
  `host`, `version` (from `session_started`), `started` (its ts), `last_ts` (ts of the last
  event), `events` (how many).
- `scope`: the `Scope.to_dict()` of the last `scope` event, or null.
- `path`: in transcript order. A decision is `{"kind": "decision", "seq", "node", "title",
  "proposed", "reason", "facts", "chosen", "next", "by", "override"}` (`proposed`, `reason` and
  `facts` from the last proposal at that node; `override` null or `{"proposed", "chosen",
  "reason"}`); a step back is `{"kind": "back", "seq", "from", "to"}`.
- `evidence`: every evidence record in transcript order, `Evidence.to_dict()` without `raw`
  (the transcript keeps the raw output), plus `seq` and `node`.
- `findings`: the findings reached and not undone by a step back, one per finding id (the
  latest), ranked with `rank_findings` (severity, confidence, calls); each is `Finding.to_dict()`
  plus `rank` (from 1), `seq`, `node` and `fixes` (the flow's fixes: `kind` fix | workaround |
  diagnostic, `text`, optional `menu`, `commands`, `when`).
- `also_seen`: high and medium findings that evidence reported (detectors put them in
  `data["findings"]`) but the walk did not reach, one per id and gateway, ranked.
- `notes`: `{"seq", "ts", "node", "kind", "text"}` in transcript order; `kind` is `note` (the
  operator's) or `hint` (shown in training).
- `outcome`: `{"outcome", "node", "ts"}` from the last `end` event, or null while unfinished
  (a step back after the end reopens the session).

The ticket is plain text wrapped at 72 columns: headline, scope, diagnosis, key evidence (warn and
fail records, records with samples, the findings' evidence sentences; up to 5 sample calls each,
with call id and UTC time), fixes (labelled FIX / WORKAROUND / CHECK), what was checked, the path
taken, notes, and who prepared it when. Menu paths and commands are never wrapped: each stands
whole on its own indented line, even past column 72, so it can be copied as it is; likewise a
single word longer than a line (a long Call-ID or URL) is kept whole. Markdown holds the same
content with headings, tables and a numbered path.
"""

from __future__ import annotations

import heapq
import json
import re
import textwrap
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from dropwizard.diagnosis.finding import Finding, Severity, rank_findings
from dropwizard.transcript.redact import redact as redact_value
from dropwizard.transcript.redact import scrub

FORMATS: tuple[str, ...] = ("ticket", "markdown", "json")
WIDTH = 72
MAX_SAMPLES = 5
KEY_STATUSES = ("warn", "fail")
FIX_LABELS = {"fix": "FIX", "workaround": "WORKAROUND", "diagnostic": "CHECK", "check": "CHECK"}

_CALL_KEYS = ("call_id", "callid", "callercallid", "calleecallid", "softswitchcallid", "flowno")
_TIME_KEYS = ("time", "at", "start", "starttime", "start_time", "ts")
_CALLER_KEYS = ("caller", "callere164", "caller_number", "from")
_CALLEE_KEYS = ("callee", "calleee164", "callee_number", "to")
_DETAIL_KEYS = (
    "holdtime",
    "cause",
    "cause_label",
    "sip_status",
    "endreason",
    "direction",
    "caller_gateway",
    "callee_gateway",
    "gateway",
    "stop",
)
_NOISE_KEYS = frozenset({"flownofirst", "reason_header", "rtpforward"})


# --------------------------------------------------------------------------- the report


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _session(events: list[dict[str, Any]]) -> dict[str, Any]:
    started = next((e for e in events if e.get("type") == "session_started"), {})
    out = {
        k: started.get(k)
        for k in (
            "session_id",
            "flow",
            "flow_version",
            "flow_digest",
            "source",
            "mode",
            "user",
            "host",
            "version",
        )
    }
    out["started"] = started.get("ts") or (events[0].get("ts") if events else None)
    out["last_ts"] = events[-1].get("ts") if events else None
    out["events"] = len(events)
    return out


def _normalise_finding(d: Mapping[str, Any]) -> tuple[dict[str, Any], Finding | None]:
    try:
        f = Finding.from_dict(dict(d))
    except (TypeError, ValueError):
        return dict(d), None
    numbers_ok = isinstance(f.confidence, (int, float)) and isinstance(f.calls, int)
    if not numbers_ok or isinstance(f.confidence, bool) or isinstance(f.calls, bool):
        return dict(d), None
    return f.to_dict(), f


def _rank(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries ordered by `rank_findings`; entries it cannot read are merged in by the same rule."""
    parsed: list[tuple[Finding, dict[str, Any]]] = []
    others: list[dict[str, Any]] = []
    for e in entries:
        _, f = _normalise_finding(e)
        if f is None:
            others.append(e)
        else:
            parsed.append((f, e))
    by_obj = {id(f): e for f, e in parsed}
    ranked = [by_obj[id(f)] for f in rank_findings([f for f, _ in parsed])]

    def key(e: dict[str, Any]) -> tuple[Any, ...]:
        sev = e.get("severity")
        known = isinstance(sev, str) and sev in {s.value for s in Severity}
        rank = Severity(sev).rank if known else -1
        conf = e.get("confidence")
        conf = conf if isinstance(conf, (int, float)) and not isinstance(conf, bool) else 0
        calls = e.get("calls")
        calls = calls if isinstance(calls, int) and not isinstance(calls, bool) else 0
        return (-rank, -conf, -calls, str(e.get("id")))

    return list(heapq.merge(ranked, sorted(others, key=key), key=key))


def build_report(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The export object documented in the module docstring (secrets scrubbed, not redacted)."""
    evs = [dict(e) for e in events]
    titles: dict[str, str] = {}
    proposals: dict[str, dict[str, Any]] = {}
    pending_override: dict[str, dict[str, Any]] = {}
    path: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    visited: list[str] = []
    active: list[tuple[int, dict[str, Any]]] = []
    scope: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None

    for e in evs:
        kind = e.get("type")
        node = _str(e.get("node"))
        if kind == "scope" and isinstance(e.get("scope"), dict):
            scope = e["scope"]
        elif kind == "node_entered" and node:
            visited.append(node)
            if isinstance(e.get("title"), str):
                titles[node] = e["title"]
        elif kind == "proposal" and node:
            proposals[node] = e
        elif kind == "choice" and node:
            prop = proposals.get(node, {})
            path.append(
                {
                    "kind": "decision",
                    "seq": e.get("seq"),
                    "node": node,
                    "title": titles.get(node),
                    "proposed": prop.get("option"),
                    "reason": prop.get("reason"),
                    "facts": prop.get("facts") if isinstance(prop.get("facts"), dict) else {},
                    "chosen": e.get("option"),
                    "next": e.get("next"),
                    "by": e.get("by"),
                    "override": pending_override.pop(node, None),
                }
            )
        elif kind == "override" and node:
            ov = {k: e.get(k) for k in ("proposed", "chosen", "reason")}
            last = next(
                (p for p in reversed(path) if p["kind"] == "decision" and p["node"] == node), None
            )
            if last is not None and last["override"] is None:
                last["override"] = ov
            else:
                pending_override[node] = ov
        elif kind == "back":
            src, dst = _str(e.get("from")), _str(e.get("to"))
            if dst in visited:
                cut = len(visited) - 1 - visited[::-1].index(dst)
            else:
                cut = max(len(visited) - 2, 0)
                dst = dst or (visited[cut] if visited else None)
            del visited[cut + 1 :]
            active = [(i, f) for i, f in active if i <= cut]
            outcome = None
            path.append({"kind": "back", "seq": e.get("seq"), "from": src, "to": dst})
        elif kind == "evidence" and isinstance(e.get("evidence"), dict):
            record = {k: v for k, v in e["evidence"].items() if k != "raw"}
            record.update({"seq": e.get("seq"), "node": node})
            evidence.append(record)
        elif kind == "finding" and isinstance(e.get("finding"), dict):
            finding, _ = _normalise_finding(e["finding"])
            fixes = e.get("fixes") if isinstance(e.get("fixes"), list) else []
            finding.update({"seq": e.get("seq"), "node": node, "fixes": fixes})
            active.append((max(len(visited) - 1, 0), finding))
        elif kind in ("note", "hint"):
            notes.append(
                {
                    "seq": e.get("seq"),
                    "ts": e.get("ts"),
                    "node": node,
                    "kind": kind,
                    "text": e.get("text"),
                }
            )
        elif kind == "end":
            outcome = {"outcome": e.get("outcome"), "node": node, "ts": e.get("ts")}

    latest: dict[str, dict[str, Any]] = {}
    for _, f in active:
        latest.pop(str(f.get("id")), None)
        latest[str(f.get("id"))] = f
    findings = _rank(list(latest.values()))
    for i, f in enumerate(findings, 1):
        f["rank"] = i

    return scrub(
        {
            "session": _session(evs),
            "scope": scope,
            "path": path,
            "evidence": evidence,
            "findings": findings,
            "also_seen": also_seen(findings, evidence),
            "notes": notes,
            "outcome": outcome,
        }
    )


SERIOUS = ("high", "medium")


def also_seen(
    reached: Iterable[Mapping[str, Any]], evidence: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """High and medium findings that gathered evidence reported but the walk did not reach.

    A walk ends in one diagnosis; detectors may have seen more (another gateway's session timer,
    a provider burst). One entry per (id, gateway), the latest evidence winning, ranked.
    """
    done = {(str(f.get("id")), _str(f.get("gateway"))) for f in reached}
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for record in evidence:
        for f in _list(_map(record.get("data")).get("findings")):
            if not isinstance(f, Mapping) or str(f.get("severity")) not in SERIOUS:
                continue
            key = (str(f.get("id")), _str(f.get("gateway")))
            if key in done:
                continue
            entry = {k: f.get(k) for k in ("id", "title", "severity", "confidence", "gateway")}
            entry.update(side=f.get("side"), calls=f.get("calls", 0), source=record.get("name"))
            seen[key] = entry
    return _rank(list(seen.values()))


def export_text(events: Iterable[Mapping[str, Any]], fmt: str, redact: bool = False) -> str:
    """The session as `fmt` (`ticket`, `markdown` or `json`); `redact` hides phone numbers."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    report = build_report(events)
    if redact:
        report = redact_value(report)
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    return render_ticket(report)


# --------------------------------------------------------------------------- shared wording


def value_text(value: Any) -> str:
    """A fact or measured value in words: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def pct(value: Any) -> str:
    return f"{round(value * 100)} %" if isinstance(value, (int, float)) else "?"


def _time_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            dt = datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return dt.isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value)


def _first(sample: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for k in keys:
        if sample.get(k) not in (None, ""):
            return k, sample[k]
    return None, None


def sample_text(sample: Any) -> str:
    """One sample call: `call ID at TIME, CALLER -> CALLEE; key value, ...`."""
    if not isinstance(sample, Mapping):
        return value_text(sample)
    used: set[str] = set()
    parts: list[str] = []
    k, call = _first(sample, _CALL_KEYS)
    if k:
        used.add(k)
        parts.append(f"call {value_text(call)}")
    k, when = _first(sample, _TIME_KEYS)
    if k:
        used.add(k)
        parts.append(f"at {_time_text(when)}")
    kc, caller = _first(sample, _CALLER_KEYS)
    ke, callee = _first(sample, _CALLEE_KEYS)
    used.update(x for x in (kc, ke) if x)
    head = " ".join(parts)
    if kc or ke:
        who = f"{value_text(caller) if kc else '?'} -> {value_text(callee) if ke else '?'}"
        head = f"{head}, {who}" if head else who
    if "cause_label" in sample:
        used.add("cause")
    if "sip_status" in sample:
        used.add("endreason")
    keys = [k for k in _DETAIL_KEYS if k in sample]
    keys += sorted(k for k in sample if k not in _DETAIL_KEYS and k not in _NOISE_KEYS)
    rest = [
        f"{key} {value_text(sample[key])}"
        for key in keys
        if key not in used and sample[key] is not None and not isinstance(sample[key], (dict, list))
    ]
    if rest:
        head = f"{head}; {', '.join(rest)}" if head else ", ".join(rest)
    return head


def samples_of(data: Any) -> list[Any]:
    """Sample calls in evidence or finding data, at most MAX_SAMPLES.

    Read from `samples` (a list of calls or strings, or a dict of such lists by kind), the
    reported call (`call.legs`, else `call.call`) and `call_ids` (a list of Call-IDs).
    """
    if not isinstance(data, Mapping):
        return []
    out: list[Any] = []
    call = data.get("call")
    if isinstance(call, Mapping):
        legs = call.get("legs")
        if isinstance(legs, list) and legs:
            out += legs
        elif isinstance(call.get("call"), Mapping):
            out.append(call["call"])
    samples = data.get("samples")
    if isinstance(samples, list):
        out += samples
    elif isinstance(samples, Mapping):
        for kind, items in sorted(samples.items()):
            if isinstance(items, list):
                out += [f"{kind}: {value_text(x)}" for x in items]
    ids = data.get("call_ids")
    if isinstance(ids, list):
        out += [{"call_id": x} for x in ids if isinstance(x, (str, int))]
    return out[:MAX_SAMPLES]


def measured(finding: Mapping[str, Any]) -> list[str]:
    data = finding.get("data")
    if not isinstance(data, Mapping):
        return []
    return [
        f"{k} {value_text(v)}"
        for k, v in sorted(data.items())
        if k not in ("samples", "findings", "category") and not isinstance(v, (dict, list))
    ]


def headline(report: Mapping[str, Any]) -> str:
    findings = report.get("findings") or []
    if not findings:
        return "No fault found"
    top = findings[0]
    return f"{top.get('title') or top.get('id')} (severity {str(top.get('severity')).upper()})"


def scope_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    scope = report.get("scope") or {}
    session = report.get("session") or {}
    rows: list[tuple[str, str]] = []
    if scope.get("kind") == "call":
        rows.append(("Call", f"{scope.get('number') or '?'} at {scope.get('at') or '?'}"))
    if scope.get("gateway"):
        rows.append(("Gateway", str(scope["gateway"])))
    if scope:
        rows.append(
            (
                "Window",
                f"{scope.get('since') or 'start'} .. {scope.get('until') or 'now'} (UTC)",
            )
        )
    else:
        rows.append(("Window", "not recorded"))
    rows.append(("Source", str(session.get("source") or "none")))
    flow = str(session.get("flow") or "?")
    if session.get("flow_version") is not None:
        flow += f" version {value_text(session['flow_version'])}"
    rows.append(("Flow", flow))
    rows.append(("Mode", str(session.get("mode") or "?")))
    rows.append(("Session", str(session.get("session_id") or "?")))
    return rows


def finding_line(f: Mapping[str, Any]) -> str:
    bits = [f"Confidence {pct(f.get('confidence'))}", f"{f.get('calls', 0)} calls"]
    if f.get("gateway"):
        bits.append(f"gateway {f['gateway']}")
    if f.get("side"):
        bits.append(f"{f['side']} side")
    category = _map(f.get("data")).get("category")
    if isinstance(category, str) and category and category != "none":
        bits.append(f"category {category}")
    return ", ".join(bits)


def outcome_text(report: Mapping[str, Any]) -> str:
    out = report.get("outcome")
    if not out:
        last = (report.get("session") or {}).get("last_ts") or "?"
        return f"unfinished (last event at {last})"
    return f"{out.get('outcome') or '?'} at {out.get('ts') or '?'}"


def prepared_by(report: Mapping[str, Any]) -> str:
    s = report.get("session") or {}
    when = (report.get("outcome") or {}).get("ts") or s.get("last_ts") or "?"
    return (
        f"Prepared by {s.get('user') or 'unknown'}@{s.get('host') or 'unknown'} at {when} "
        f"with dropwizard {s.get('version') or '?'}"
    )


def key_evidence(report: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(sentence, sample lines) pairs: notable evidence records, then finding sentences.

    A sample call already listed is not repeated.
    """
    out: list[tuple[str, list[str]]] = []
    shown: set[str] = set()

    def fresh(samples: list[Any]) -> list[str]:
        lines = [sample_text(s) for s in samples]
        lines = [x for x in dict.fromkeys(lines) if x not in shown]
        shown.update(lines)
        return lines

    for ev in report.get("evidence") or []:
        samples = samples_of(ev.get("data"))
        if ev.get("status") in KEY_STATUSES or samples:
            sentence = f"{ev.get('name')} [{str(ev.get('status')).upper()}]: {ev.get('summary')}"
            out.append((sentence, fresh(samples)))
    for f in report.get("findings") or []:
        title = f.get("title") or f.get("id")
        sentences = [s for s in _list(f.get("evidence")) if isinstance(s, str)]
        samples = fresh(samples_of(f.get("data")))
        for i, s in enumerate(sentences):
            out.append((f"{title}: {s}", samples if i == len(sentences) - 1 else []))
        if samples and not sentences:
            out.append((f"{title}: sample calls", samples))
    return out


def fix_label(kind: Any) -> str:
    return FIX_LABELS.get(str(kind).lower(), str(kind).upper() or "FIX")


def commands_of(fix: Mapping[str, Any]) -> list[str]:
    cmds = fix.get("commands")
    if isinstance(cmds, str):
        cmds = [cmds]
    if not isinstance(cmds, list):
        return []
    return [line for c in cmds for line in str(c).splitlines() if line.strip()]


def decision_parts(
    step: Mapping[str, Any],
) -> tuple[str | None, str, str | None, str | None]:
    """(proposal sentence, choice sentence, facts sentence, override sentence) of a decision."""
    proposal: str | None = None
    if step.get("proposed") is not None:
        proposal = f"Proposed {step['proposed']}"
        if step.get("reason"):
            proposal += f": {step['reason']}"
    elif step.get("reason"):
        proposal = f"Proposed nothing: {step['reason']}"
    by = step.get("by")
    by_text = {
        "proposal": "accepted the proposal",
        "operator": "the operator's choice",
        "answers": "from the answers file",
        "default": "the node's default",
    }.get(str(by), f"by {by}")
    choice = f"Chose {step.get('chosen')} -> {step.get('next') or 'end'} ({by_text})"
    facts = step.get("facts") or {}
    facts_text = (
        "Facts read: " + ", ".join(f"{k} = {value_text(v)}" for k, v in sorted(facts.items()))
        if facts
        else None
    )
    ov = step.get("override")
    override = None
    if ov:
        proposed = ov.get("proposed") if ov.get("proposed") is not None else "nothing"
        override = f"OVERRIDE: proposed {proposed}, operator chose {ov.get('chosen')}"
        if ov.get("reason"):
            override += f'. Reason: "{ov["reason"]}"'
    return proposal, choice, facts_text, override


def step_title(step: Mapping[str, Any]) -> str:
    title = step.get("title")
    return f"{title} ({step.get('node')})" if title else str(step.get("node"))


# --------------------------------------------------------------------------- ticket


_UNIT = re.compile(r"(\d) (s|ms|%|min|h|calls?)(?=[\s.,;:)]|$)")
_EQUALS = re.compile(r"(?<!\S)(\S{1,40}) = (\S{1,20})(?!\S)")
_GLUE = "\u00a0"


def _wrap(text: str, indent: str, subsequent: str | None = None) -> list[str]:
    """Wrap each paragraph of `text` at WIDTH; words (URLs, ids) are never broken.

    A number stays on the line of its unit (`180 s`, `93 %`), a fact on the line of its value.
    """
    out: list[str] = []
    first, rest = indent, indent if subsequent is None else subsequent
    for para in str(text).splitlines() or [""]:
        lines = textwrap.wrap(
            _EQUALS.sub(
                rf"\1{_GLUE}={_GLUE}\2", _UNIT.sub(rf"\1{_GLUE}\2", para.replace(_GLUE, " "))
            ),
            WIDTH,
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.extend([line.replace(_GLUE, " ") for line in lines] or [first.rstrip()])
        first = rest
    return out


def _section(lines: list[str], title: str) -> None:
    if lines:
        lines.append("")
    lines.append(title)


def render_ticket(report: Mapping[str, Any]) -> str:
    """Plain text for a ticket, 72 columns except verbatim menu paths and commands."""
    session = report.get("session") or {}
    lines: list[str] = []
    lines += _wrap(f"CALL DROP TICKET, session {session.get('session_id') or '?'}", "")
    lines += _wrap(f"Outcome: {outcome_text(report)}", "")

    _section(lines, "HEADLINE")
    lines += _wrap(headline(report), "  ")

    _section(lines, "SCOPE")
    for name, value in scope_rows(report):
        lines += _wrap(f"{name + ':':<9}{value}", "  ", " " * 11)

    findings = report.get("findings") or []
    _section(lines, "DIAGNOSIS")
    if not findings:
        lines += _wrap("No fault found on the path taken.", "  ")
    for f in findings:
        title = (
            f"{f.get('rank')}. {f.get('title') or f.get('id')} [{str(f.get('severity')).upper()}]"
        )
        lines += _wrap(title, "  ", "     ")
        lines += _wrap(finding_line(f) + ".", "     ")
        m = measured(f)
        if m:
            lines += _wrap("Measured: " + ", ".join(m) + ".", "     ")

    others = report.get("also_seen") or []
    if others:
        _section(lines, "ALSO SEEN IN THE EVIDENCE (not on the path taken)")
        for f in others:
            title = f"- {f.get('title') or f.get('id')} [{str(f.get('severity')).upper()}]"
            lines += _wrap(title, "  ", "    ")
            lines += _wrap(finding_line(f) + ".", "    ")

    _section(lines, "KEY EVIDENCE")
    keys = key_evidence(report)
    if not keys:
        lines += _wrap("No evidence pointed at a fault.", "  ")
    for sentence, samples in keys:
        lines += _wrap(sentence, "  - ", "    ")
        for s in samples:
            lines += _wrap(s, "      ", "        ")

    _section(lines, "FIXES")
    if not findings:
        lines += _wrap("None: no finding was reached.", "  ")
    for f in findings:
        lines += _wrap(str(f.get("title") or f.get("id")), "  ")
        fixes = [x for x in _list(f.get("fixes")) if isinstance(x, Mapping)]
        for fix in fixes:
            lines += _wrap(
                f"{fix_label(fix.get('kind'))}: {fix.get('text') or ''}", "    ", "      "
            )
            if fix.get("menu"):
                lines.append(f"      Menu: {fix['menu']}")
            lines += [f"      {c}" for c in commands_of(fix)]
        if not fixes:
            for rec in _list(f.get("recommendations")):
                lines += _wrap(str(rec), "    ", "      ")

    _section(lines, "WHAT WAS CHECKED")
    checked = report.get("evidence") or []
    if not checked:
        lines += _wrap("Nothing was gathered.", "  ")
    for ev in checked:
        lines += _wrap(
            f"{ev.get('name')} [{ev.get('status')}]: {ev.get('summary')}", "  - ", "    "
        )

    _section(lines, "PATH TAKEN")
    path = report.get("path") or []
    if not path:
        lines += _wrap("No decision was made.", "  ")
    for i, step in enumerate(path, 1):
        num = f"  {i}. "
        pad = " " * len(num)
        if step.get("kind") == "back":
            lines += _wrap(f"Went back from {step.get('from')} to {step.get('to')}.", num, pad)
            continue
        proposal, choice, facts, override = decision_parts(step)
        lines += _wrap(step_title(step), num, pad)
        if proposal:
            lines += _wrap(proposal, pad, pad + "  ")
        if facts:
            lines += _wrap(facts, pad, pad + "  ")
        lines += _wrap(choice, pad, pad + "  ")
        if override:
            lines += _wrap(override, pad, pad + "  ")

    notes = report.get("notes") or []
    if notes:
        _section(lines, "NOTES")
        for n in notes:
            where = f"[{n.get('node')}] " if n.get("node") else ""
            hint = "(hint shown) " if n.get("kind") == "hint" else ""
            lines += _wrap(f"{where}{hint}{n.get('text') or ''}", "  - ", "    ")

    lines.append("")
    lines += _wrap(prepared_by(report), "")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- markdown


def md(text: Any) -> str:
    """Inline Markdown text: one line, with the characters that would change it escaped."""
    s = " ".join(str(text).split())
    for ch in ("\\", "`", "*", "<", "|"):
        s = s.replace(ch, "\\" + ch)
    return s


def code(text: Any) -> str:
    """An inline code span that holds `text` whatever backticks it contains."""
    s = " ".join(str(text).split())
    run = longest = 0
    for ch in s:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def _fence(lines: list[str]) -> str:
    longest = max((len(x) - len(x.lstrip("`")) for x in lines), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(report: Mapping[str, Any]) -> str:
    """The same content as the ticket, as Markdown."""
    session = report.get("session") or {}
    out: list[str] = [f"# Call drop diagnosis: {md(headline(report))}", ""]
    out.append(
        f"Session {code(session.get('session_id') or '?')}, outcome: {md(outcome_text(report))}."
    )

    out += ["", "## Scope", "", "| Field | Value |", "|---|---|"]
    out += [f"| {name} | {md(value)} |" for name, value in scope_rows(report)]

    findings = report.get("findings") or []
    out += ["", "## Diagnosis", ""]
    if not findings:
        out.append("No fault found on the path taken.")
    else:
        out += [
            "| # | Finding | Severity | Confidence | Calls | Gateway | Side | Category |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in findings:
            category = _map(f.get("data")).get("category") or "-"
            out.append(
                f"| {f.get('rank')} | {md(f.get('title') or f.get('id'))} ({code(f.get('id'))}) "
                f"| {md(f.get('severity'))} | {pct(f.get('confidence'))} | {md(f.get('calls', 0))} "
                f"| {md(f.get('gateway') or '-')} | {md(f.get('side') or '-')} | {md(category)} |"
            )
        for f in findings:
            m = measured(f)
            if m:
                out.append("")
                out.append(f"Measured for {md(f.get('title') or f.get('id'))}: {md(', '.join(m))}.")

    others = report.get("also_seen") or []
    if others:
        out += ["", "## Also seen in the evidence (not on the path taken)", ""]
        out += [
            f"- {md(f.get('title') or f.get('id'))} ({code(f.get('id'))}, "
            f"{md(f.get('severity'))}): {md(finding_line(f))}"
            for f in others
        ]

    out += ["", "## Key evidence", ""]
    keys = key_evidence(report)
    if not keys:
        out.append("No evidence pointed at a fault.")
    for sentence, samples in keys:
        out.append(f"- {md(sentence)}")
        out += [f"  - {md(s)}" for s in samples]

    out += ["", "## Fixes"]
    if not findings:
        out += ["", "None: no finding was reached."]
    for f in findings:
        out += ["", f"### {f.get('rank')}. {md(f.get('title') or f.get('id'))}", ""]
        fixes = [x for x in _list(f.get("fixes")) if isinstance(x, Mapping)]
        for fix in fixes:
            out.append(f"- **{fix_label(fix.get('kind'))}:** {md(fix.get('text') or '')}")
            if fix.get("menu"):
                out += ["", f"  Menu: {code(fix['menu'])}"]
            cmds = commands_of(fix)
            if cmds:
                fence = _fence(cmds)
                out += ["", f"  {fence}sh", *[f"  {c}" for c in cmds], f"  {fence}"]
        if not fixes:
            out += [f"- {md(rec)}" for rec in _list(f.get("recommendations"))]

    out += ["", "## What was checked", ""]
    checked = report.get("evidence") or []
    if not checked:
        out.append("Nothing was gathered.")
    else:
        out += ["| Evidence | Status | Node | Summary |", "|---|---|---|---|"]
        for ev in checked:
            out.append(
                f"| {code(ev.get('name'))} | {md(ev.get('status'))} | {md(ev.get('node') or '-')} "
                f"| {md(ev.get('summary'))} |"
            )

    out += ["", "## Path taken", ""]
    path = report.get("path") or []
    if not path:
        out.append("No decision was made.")
    for i, step in enumerate(path, 1):
        if step.get("kind") == "back":
            out.append(f"{i}. Went back from {code(step.get('from'))} to {code(step.get('to'))}.")
            continue
        proposal, choice, facts, override = decision_parts(step)
        title = step.get("title")
        head = f"**{md(title)}** ({code(step.get('node'))})" if title else code(step.get("node"))
        out.append(f"{i}. {head}")
        if proposal:
            out.append(f"   - {md(proposal)}")
        if facts:
            out.append(f"   - {md(facts)}")
        out.append(f"   - {md(choice)}")
        if override:
            out.append(f"   - **{md(override)}**")

    notes = report.get("notes") or []
    if notes:
        out += ["", "## Notes", ""]
        for n in notes:
            where = f"({code(n['node'])}) " if n.get("node") else ""
            hint = "(hint shown) " if n.get("kind") == "hint" else ""
            out.append(f"- {where}{hint}{md(n.get('text') or '')}")

    out += ["", "---", "", md(prepared_by(report))]
    return "\n".join(out) + "\n"
