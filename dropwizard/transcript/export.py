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
- `window`: `{"since", "until"}`, the time window the CDR evidence analysed (`data.window` of
  the `cdr.*` records; their span when they differ), or null when no CDRs were read. A call
  scope analyses the hours around the call, not the minutes its scope names.
- `path`: in transcript order. A decision is `{"kind": "decision", "seq", "node", "title",
  "proposed", "proposed_label", "reason", "facts", "chosen", "chosen_label", "next",
  "next_title", "by", "override"}` (`proposed`, `reason` and `facts` from the last proposal at
  that node; labels null in transcripts that predate them; `override` null or `{"proposed",
  "chosen", "reason"}`, read whether the override event comes before its choice, as written
  now, or right after it, as older transcripts have it); a step back is `{"kind": "back", "seq",
  "from", "to", "from_title", "to_title"}`.
- `evidence`: every evidence record in transcript order, `Evidence.to_dict()` without `raw`
  (the transcript keeps the raw output), plus `seq` and `node`.
- `findings`: the findings reached and not undone by a step back, one per finding id (the
  latest), ranked with `rank_findings` (severity, confidence, calls); each is `Finding.to_dict()`
  plus `rank` (from 1), `seq`, `node` and `fixes` (the flow's fixes: `kind` fix | workaround |
  diagnostic, `text`, optional `menu`, `commands`, `when`). Its `evidence` leaves out the
  reasons of proposals that read no gathered fact (such as the scope the session started with).
- `also_seen`: high and medium findings that evidence reported (detectors put them in
  `data["findings"]`) but the walk did not reach, one per id and gateway, ranked.
- `notes`: `{"seq", "ts", "node", "kind", "text"}` in transcript order; `kind` is `note` (the
  operator's) or `hint` (shown in training).
- `outcome`: `{"outcome", "node", "ts"}` from the last `end` event, or null while unfinished
  (a step back after the end reopens the session).
- `requested_action`: what to ask the carrier, when the top finding points upstream
  (`provider_rejection`; `session_timer_expiry`, `ack_timeout`, `rtp_timeout` on the callee
  side), with the measured counts; else null.

With `redact=True` the export also hides where it was made: `session.user` and `session.host`
become null (`session.redacted` true, no "Prepared by"), and the source is named by its kind
(`CSV export (.csv)`; a database URI loses its user name) wherever its path appeared.

The ticket is plain text wrapped at 72 columns: headline, scope (the reported call with its SIP
Call-IDs when the CDRs hold them, and the window analysed), diagnosis (measured numbers with
labels and units), the requested action, key evidence (warn and fail records, records with
samples, the findings' evidence sentences, each once; up to 5 sample calls each, with call id and
UTC time), fixes (labelled FIX / WORKAROUND / CHECK), what else was checked, the path taken (node
titles and option labels), notes, and who prepared it when. Menu paths and commands are never wrapped: each stands
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


def _unique(items: list[Any]) -> list[Any]:
    """`items` in order without repeats (unhashable items compared by equality)."""
    out: list[Any] = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


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
        if e.get("type") == "node_entered" and isinstance(e.get("title"), str):
            titles.setdefault(str(e.get("node")), e["title"])
    not_evidence: set[str] = set()
    for i, e in enumerate(evs):
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
            if isinstance(e.get("reason"), str) and not cites_evidence(e.get("facts")):
                not_evidence.add(e["reason"])
        elif kind == "choice" and node:
            prop = proposals.get(node, {})
            path.append(
                {
                    "kind": "decision",
                    "seq": e.get("seq"),
                    "node": node,
                    "title": titles.get(node),
                    "proposed": prop.get("option"),
                    "proposed_label": prop.get("label") if prop.get("option") else None,
                    "reason": prop.get("reason"),
                    "facts": prop.get("facts") if isinstance(prop.get("facts"), dict) else {},
                    "chosen": e.get("option"),
                    "chosen_label": e.get("label"),
                    "next": e.get("next"),
                    "next_title": titles.get(str(e.get("next"))),
                    "by": e.get("by"),
                    "override": pending_override.pop(node, None),
                }
            )
        elif kind == "override" and node:
            ov = {k: e.get(k) for k in ("proposed", "chosen", "reason")}
            prev = evs[i - 1] if i > 0 else {}
            after_choice = prev.get("type") == "choice" and prev.get("node") == node
            if (
                after_choice
                and path
                and path[-1]["kind"] == "decision"
                and path[-1]["node"] == node
            ):
                path[-1]["override"] = ov
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
            path.append(
                {
                    "kind": "back",
                    "seq": e.get("seq"),
                    "from": src,
                    "to": dst,
                    "from_title": titles.get(str(src)),
                    "to_title": titles.get(str(dst)),
                }
            )
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
    for f in latest.values():
        if isinstance(f.get("evidence"), list):
            f["evidence"] = [
                x for x in _unique(f["evidence"]) if not (isinstance(x, str) and x in not_evidence)
            ]
    findings = _rank(list(latest.values()))
    for i, f in enumerate(findings, 1):
        f["rank"] = i

    report: dict[str, Any] = {
        "session": _session(evs),
        "scope": scope,
        "window": analysed_window(evidence),
        "path": path,
        "evidence": evidence,
        "findings": findings,
        "also_seen": also_seen(findings, evidence),
        "notes": notes,
        "outcome": outcome,
    }
    report["requested_action"] = requested_action(report)
    return scrub(report)


ENGINE_FACTS = frozenset({"source.kind", "capture.present"})


def cites_evidence(facts: Any) -> bool:
    """True when a proposal's facts include one from gathered evidence (not scope or session)."""
    names = facts.keys() if isinstance(facts, Mapping) else ()
    return any(
        isinstance(n, str) and n not in ENGINE_FACTS and not n.startswith("scope.") for n in names
    )


def analysed_window(evidence: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The time window the CDR evidence covered (`data.window` of the `cdr.*` records).

    When records covered different windows, the span from the earliest start to the latest end.
    """
    since: list[str] = []
    until: list[str] = []
    for record in evidence:
        w = _map(_map(record.get("data")).get("window"))
        if str(record.get("name", "")).startswith("cdr.") and (w.get("since") or w.get("until")):
            if isinstance(w.get("since"), str):
                since.append(w["since"])
            if isinstance(w.get("until"), str):
                until.append(w["until"])
    if not since and not until:
        return None
    return {"since": min(since) if since else None, "until": max(until) if until else None}


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
        report = redact_value(hide_origin(report))
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return render_markdown(report)
    return render_ticket(report)


_CSV_SUFFIXES = (".csv.gz", ".csv")


def source_label(source: str) -> str:
    """A source as a redacted export names it: no local path, no user or host."""
    if source in ("demo", "none", ""):
        return source
    if "://" in source:
        scheme, _, rest = source.partition("://")
        netloc, slash, tail = rest.partition("/")
        return f"{scheme}://{netloc.rpartition('@')[2]}{slash}{tail}"
    lower = source.lower()
    for suffix in _CSV_SUFFIXES:
        if lower.endswith(suffix):
            return f"CSV export ({suffix})"
    if "/" in source or "\\" in source:
        return "CDR file"
    return source


def hide_origin(report: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the report without who prepared it where, nor the source's path or address.

    `session.user` and `session.host` become null (and `session.redacted` true); the source
    (its full spec and its file name) is replaced wherever a string holds it.
    """
    session = dict(_map(report.get("session")))
    user, host = _str(session.get("user")), _str(session.get("host"))
    source = _str(session.get("source")) or ""
    swaps: list[tuple[str, str]] = []
    label = source_label(source)
    if label != source:
        swaps.append((source, label))
        name = source.replace("\\", "/").rsplit("/", 1)[-1]
        if "://" not in source and name and name != source and len(name) > 4:
            swaps.append((name, label))
    if user and host:
        swaps.append((f"{user}@{host}", "***"))

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            if value in (user, host):
                return "***"
            for old, new in swaps:
                value = value.replace(old, new)
            return value
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    out = walk({k: v for k, v in report.items() if k != "session"})
    session = walk(session)
    session.update(user=None, host=None, redacted=True)
    out["session"] = session
    return out


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


MEASURES: dict[str, tuple[str, str]] = {
    "share": ("share of the gateway's calls", "pct"),
    "answered_share": ("share of its answered calls", "pct"),
    "normal_share": ("normal clearing share", "pct"),
    "gateway_calls": ("calls on the gateway", "count"),
    "gateway_answered": ("answered calls on the gateway", "count"),
    "spike_s": ("drops stack at", "s"),
    "spike_calls": ("calls in the spike", "count"),
    "expected": ("calls expected there", "num"),
    "proxied_share": ("with media proxy on", "pct"),
    "timer_s": ("timer", "s"),
    "implied_session_expires": ("implied Session-Expires", "s"),
    "rule": ("rule", "text"),
    "band_start_s": ("drops from", "s"),
    "band_end_s": ("drops up to", "s"),
    "band_calls": ("calls in the band", "count"),
    "rtp_timeout_s": ("RTP timeout", "s"),
    "idle_timeout_s": ("idle timeout", "s"),
    "status": ("rejected with", "text"),
    "baseline_rate": ("gateway's usual rejection rate", "pct"),
    "burst_rate": ("rejection rate in the burst", "pct"),
    "rate": ("rejection rate", "pct"),
    "peer_rate": ("other providers' rejection rate", "pct"),
    "rejected": ("rejected", "count"),
    "attempts": ("attempts", "count"),
    "pdd_p50_ms": ("median post-dial delay", "ms"),
    "dropped": ("dropped calls", "count"),
    "ids": ("findings reported", "text"),
    "top_id": ("top finding", "text"),
    "pattern": ("drop pattern", "text"),
    "spike_kind": ("kind of spike", "text"),
    "spike_share": ("share of drops in the spike", "pct"),
    "band_share": ("share of drops in the band", "pct"),
    "udp_timeout": ("conntrack UDP timeout", "s"),
    "udp_stream_timeout": ("conntrack UDP stream timeout", "s"),
    "meets_guide": ("meets the guide", "text"),
    "sip_open": ("SIP open", "text"),
    "rtp_open": ("RTP open", "text"),
    "top_cause": ("top cause", "text"),
    "call_cause": ("cause of the call", "text"),
    "call_holdtime": ("talk time of the call", "s"),
    "top_gateway": ("top gateway", "text"),
    "top_status": ("top SIP status", "text"),
}
"""Human labels and units of the measured numbers in finding data (others are derived)."""

_MEASURE_SKIP = frozenset({"samples", "findings", "category"})


def percent(value: float) -> str:
    """A share 0..1 as a percentage with sensible precision: `0.0052` -> `0.52 %`."""
    x = value * 100
    if x == 0 or abs(x) >= 10:
        text = f"{x:.0f}"
    elif abs(x) >= 1:
        text = f"{x:.1f}"
    else:
        text = f"{x:.2g}"
    if "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} %"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def quantity(key: str, value: Any) -> str | None:
    """`value` of measure or fact `key` in words with its unit; None for nothing to show."""
    if value is None or (isinstance(value, (dict, list)) and not value):
        return None
    unit = MEASURES.get(key, ("", ""))[1]
    if not unit:
        if key.endswith(("_share", "_rate")) or key.startswith("rate_"):
            unit = "pct"
        elif key.endswith("_ms"):
            unit = "ms"
        elif key.endswith(("_s", "_timeout", "_expires", "_se")) or key.startswith("timeout"):
            unit = "s"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, Mapping):
        lo = value.get("start", value.get("since"))
        hi = value.get("end", value.get("until"))
        if lo or hi:
            return f"{lo or '?'} .. {hi or '?'}"
        return value_text(value)
    if not number:
        return value_text(value)
    if unit == "pct":
        return percent(float(value))
    if unit == "s":
        return f"{_number(value)} s"
    if unit == "ms":
        return f"{_number(value)} ms"
    if unit == "num" and isinstance(value, float):
        return f"{value:.1f}"
    return _number(value)


def measure_label(key: str) -> str:
    if key in MEASURES:
        return MEASURES[key][0]
    label = key
    for suffix in ("_ms", "_s"):
        if label.endswith(suffix):
            label = label[: -len(suffix)]
    return label.replace("_", " ")


def measured(finding: Mapping[str, Any]) -> list[str]:
    """The measured numbers of a finding in words: `drops stack at 1768 s`, nulls left out."""
    data = finding.get("data")
    if not isinstance(data, Mapping):
        return []
    out: list[str] = []
    for k, v in data.items():
        if k in _MEASURE_SKIP or isinstance(v, list):
            continue
        text = quantity(k, v)
        if text is None:
            continue
        label = "burst window (UTC)" if k == "window" else measure_label(k)
        out.append(f"{label} {text}")
    return out


def fact_text(name: str, value: Any) -> str | None:
    """A fact a proposal read, in words: `cdr.durations.spike_s` 1768 -> `drops stack at 1768 s`."""
    gatherer, _, key = name.rpartition(".")
    if key == "status":
        return f"{gatherer} came out {value_text(value)}"
    text = quantity(key, value)
    if text is None:
        return None
    label = MEASURES[key][0] if key in MEASURES else measure_label(key)
    return f"{label} {text}"


def calls_text(f: Mapping[str, Any]) -> str:
    """The finding's call count, saying what it counts when it is an excess over a rate."""
    calls = f.get("calls", 0)
    data = _map(f.get("data"))
    if f.get("id") == "provider_rejection":
        if data.get("baseline_rate") is not None:
            return f"about {calls} rejections above the gateway's usual rate"
        if data.get("peer_rate") is not None:
            return f"about {calls} rejections above the other providers' rate"
        return f"about {calls} rejections above the gateway's usual rate"
    return f"{calls} calls"


def stop_title(report: Mapping[str, Any]) -> str | None:
    """The title of the end node a walk without findings stopped at, unless it is the flow's
    ordinary `end` (e.g. "STOPPED: the reported call is not in the CDRs")."""
    node = (report.get("outcome") or {}).get("node")
    if not node or node == "end":
        return None
    return next(
        (
            str(p["next_title"])
            for p in report.get("path") or []
            if p.get("next") == node and p.get("next_title")
        ),
        None,
    )


def headline(report: Mapping[str, Any]) -> str:
    findings = report.get("findings") or []
    if not findings:
        return stop_title(report) or "No fault found"
    top = findings[0]
    return f"{top.get('title') or top.get('id')} (severity {str(top.get('severity')).upper()})"


CALL_ID_KEYS = ("callercallid", "calleecallid", "call_id", "callid")
CALL_ID_LABELS = {
    "callercallid": " (SIP Call-ID, caller leg)",
    "calleecallid": " (SIP Call-ID, callee leg)",
    "call_id": " (SIP Call-ID)",
    "callid": " (SIP Call-ID)",
}


def call_ids(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The SIP Call-IDs of the reported call's legs, when the CDR evidence holds them."""
    out: list[tuple[str, str]] = []
    for ev in report.get("evidence") or []:
        call = _map(_map(ev.get("data")).get("call"))
        legs = [x for x in _list(call.get("legs")) if isinstance(x, Mapping)]
        if not legs and isinstance(call.get("call"), Mapping):
            legs = [call["call"]]
        for leg in legs:
            for key in CALL_ID_KEYS:
                value = leg.get(key)
                if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "":
                    row = ("Call-ID", f"{value}{CALL_ID_LABELS[key]}")
                    if row not in out:
                        out.append(row)
    return out


def window_text(window: Mapping[str, Any], note: str = "UTC") -> str:
    return f"{window.get('since') or '?'} .. {window.get('until') or '?'} ({note})"


def scope_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    scope = report.get("scope") or {}
    session = report.get("session") or {}
    analysed = _map(report.get("window"))
    rows: list[tuple[str, str]] = []
    if scope.get("kind") == "call":
        rows.append(("Call", f"{scope.get('number') or '?'} at {scope.get('at') or '?'} (UTC)"))
        rows += call_ids(report)
    if scope.get("gateway"):
        rows.append(("Gateway", str(scope["gateway"])))
    if analysed:
        rows.append(("Window", window_text(analysed, "UTC, analysed")))
    elif scope.get("since") or scope.get("until"):
        asked = {"since": scope.get("since") or "start", "until": scope.get("until") or "now"}
        rows.append(("Window", window_text(asked, "UTC, as asked")))
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
    bits = [f"Confidence {pct(f.get('confidence'))}", calls_text(f)]
    if f.get("gateway"):
        bits.append(f"gateway {f['gateway']}")
    if f.get("side"):
        bits.append(f"{f['side']} side")
    category = _map(f.get("data")).get("category")
    if isinstance(category, str) and category and category != "none":
        bits.append(f"category {category}")
    return ", ".join(bits)


def requested_action(report: Mapping[str, Any]) -> str | None:
    """What to ask the carrier, from the top finding when it points upstream; else None."""
    findings = report.get("findings") or []
    if not findings:
        return None
    f = findings[0]
    data = _map(f.get("data"))
    gw = f.get("gateway")
    who = f"the carrier behind gateway {gw}" if gw else "the carrier"
    fid = f.get("id")
    upstream = f.get("side") == "callee"
    analysed = _map(report.get("window"))
    if fid == "provider_rejection":
        status = data.get("status") or "rejection"
        counts = ""
        if data.get("rejected") is not None and data.get("attempts") is not None:
            counts = (
                f" {data['rejected']} of {data['attempts']} attempts were rejected with {status}"
            )
        window = _map(data.get("window"))
        if window:
            when = f"From {window.get('start') or '?'} to {window.get('end') or '?'} (UTC)"
            if data.get("burst_rate") is not None:
                counts += f" ({percent(float(data['burst_rate']))})"
            if data.get("baseline_rate") is not None:
                counts += f", against its usual {percent(float(data['baseline_rate']))}"
        else:
            when = f"Over {window_text(analysed)}" if analysed else "Over the analysed window"
            if data.get("rate") is not None:
                counts += f" ({percent(float(data['rate']))})"
            if data.get("peer_rate") is not None:
                counts += f", against {percent(float(data['peer_rate']))} on the other providers"
        return (
            f"Ask {who} to investigate capacity and rejections. {when}{counts}: "
            f"{calls_text(f)}. Please report the cause (capacity limit, outage, routing) "
            "and whether it is resolved."
        )
    if fid == "session_timer_expiry" and upstream:
        timer = data.get("timer_s") or data.get("spike_s")
        se = data.get("implied_session_expires")
        bits = f"{f.get('calls', 0)} answered calls ended"
        if timer is not None:
            bits += f" {timer} s after answer"
        if se is not None:
            bits += f", which RFC 4028 gives for Session-Expires {se} s with no refresh"
        return (
            f"Ask {who} for their session refresh handling: {bits}. Please confirm whether "
            "they send and answer the refresh re-INVITE or UPDATE, which side they expect to "
            "refresh, and their Session-Expires and Min-SE."
        )
    if fid == "ack_timeout" and upstream:
        return (
            f"Ask {who} to check whether the ACK for their 200 OK reaches them: "
            f"{f.get('calls', 0)} answered calls ended about 32 s after answer (64*T1). "
            "Please check the Contact and Record-Route of their 200 OK and NAT on their side."
        )
    if fid == "rtp_timeout" and upstream:
        timeout = data.get("rtp_timeout_s")
        after = f" after {timeout} s without media" if timeout is not None else ""
        return (
            f"Ask {who} to check media from their side: {f.get('calls', 0)} answered calls "
            f"were cut{after}. Please check that RTP keeps flowing towards the switch."
        )
    return None


def outcome_text(report: Mapping[str, Any]) -> str:
    out = report.get("outcome")
    if not out:
        last = (report.get("session") or {}).get("last_ts") or "?"
        return f"unfinished (last event at {last})"
    what = out.get("outcome") or "?"
    if what == "resolved" and stop_title(report):
        what = "stopped"
    return f"{what} at {out.get('ts') or '?'}"


def prepared_by(report: Mapping[str, Any]) -> str:
    s = report.get("session") or {}
    when = (report.get("outcome") or {}).get("ts") or s.get("last_ts") or "?"
    who = (
        ""
        if s.get("redacted")
        else f" by {s.get('user') or 'unknown'}@{s.get('host') or 'unknown'}"
    )
    return f"Prepared{who} at {when} with dropwizard {s.get('version') or '?'}"


def _record_key(ev: Mapping[str, Any]) -> tuple[str, str, str]:
    return (str(ev.get("name")), str(ev.get("status")), str(ev.get("summary")))


def _is_key(ev: Mapping[str, Any]) -> bool:
    return ev.get("status") in KEY_STATUSES or bool(samples_of(ev.get("data")))


def key_evidence(report: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(sentence, sample lines) pairs: notable evidence records, then finding sentences.

    A record gathered twice with the same result, a sentence or a sample call already listed
    is not repeated.
    """
    out: list[tuple[str, list[str]]] = []
    shown: set[str] = set()
    said: set[str] = set()

    def fresh(samples: list[Any]) -> list[str]:
        lines = [sample_text(s) for s in samples]
        lines = [x for x in dict.fromkeys(lines) if x not in shown]
        shown.update(lines)
        return lines

    for ev in report.get("evidence") or []:
        if _is_key(ev):
            sentence = f"{ev.get('name')} [{str(ev.get('status')).upper()}]: {ev.get('summary')}"
            if sentence in said:
                continue
            said.add(sentence)
            out.append((sentence, fresh(samples_of(ev.get("data")))))
    for f in report.get("findings") or []:
        title = f.get("title") or f.get("id")
        sentences = [
            s for s in _unique(_list(f.get("evidence"))) if isinstance(s, str) and s not in said
        ]
        said.update(sentences)
        samples = fresh(samples_of(f.get("data")))
        for i, s in enumerate(sentences):
            out.append((f"{title}: {s}", samples if i == len(sentences) - 1 else []))
        if samples and not sentences:
            out.append((f"{title}: sample calls", samples))
    return out


def other_checks(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Evidence records not already under key evidence, each result once."""
    out: list[Mapping[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for ev in report.get("evidence") or []:
        key = _record_key(ev)
        if key in seen or _is_key(ev):
            continue
        seen.add(key)
        out.append(ev)
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


def _option(label: Any, option: Any) -> str:
    """An option by its label; by its id in words when the transcript predates labels."""
    return str(label) if isinstance(label, str) and label else str(option).replace("_", " ")


def decision_parts(
    step: Mapping[str, Any],
) -> tuple[str | None, str, str | None, str | None]:
    """(proposal sentence, choice sentence, facts sentence, override sentence) of a decision.

    Options are named by their labels when the transcript holds them, facts in words.
    """
    proposal: str | None = None
    if step.get("proposed") is not None:
        proposal = f"Proposed: {_option(step.get('proposed_label'), step['proposed'])}"
        if step.get("reason"):
            proposal += f". {step['reason']}"
    elif step.get("reason"):
        proposal = f"Proposed nothing: {step['reason']}"
    by = step.get("by")
    by_text = {
        "proposal": "accepted the proposal",
        "operator": "the operator's choice",
        "answers": "from the answers file",
        "default": "the node's default",
    }.get(str(by), f"by {by}")
    choice = f"Chose: {_option(step.get('chosen_label'), step.get('chosen'))} ({by_text})"
    facts = step.get("facts") or {}
    shown = [t for t in (fact_text(k, v) for k, v in sorted(facts.items())) if t]
    facts_text = "Evidence read: " + "; ".join(shown) if shown and cites_evidence(facts) else None
    ov = step.get("override")
    override = None
    if ov:
        proposed = ov.get("proposed") if ov.get("proposed") is not None else "nothing"
        if ov.get("proposed") == step.get("proposed"):
            proposed = _option(step.get("proposed_label"), proposed)
        chosen = ov.get("chosen")
        if chosen == step.get("chosen"):
            chosen = _option(step.get("chosen_label"), chosen)
        override = f"OVERRIDE: proposed {proposed}, operator chose {chosen}"
        if ov.get("reason"):
            override += f'. Reason: "{ov["reason"]}"'
    return proposal, choice, facts_text, override


def step_title(step: Mapping[str, Any]) -> str:
    return str(step.get("title") or step.get("node"))


def back_text(step: Mapping[str, Any]) -> str:
    src = step.get("from_title") or step.get("from")
    dst = step.get("to_title") or step.get("to")
    return f"Went back from {src} to {dst}."


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
        stopped = stop_title(report)
        lines += _wrap(f"{stopped}." if stopped else "No fault found on the path taken.", "  ")
    for f in findings:
        title = (
            f"{f.get('rank')}. {f.get('title') or f.get('id')} [{str(f.get('severity')).upper()}]"
        )
        lines += _wrap(title, "  ", "     ")
        lines += _wrap(finding_line(f) + ".", "     ")
        m = measured(f)
        if m:
            lines += _wrap("Measured: " + "; ".join(m) + ".", "     ")

    action = report.get("requested_action")
    if action:
        _section(lines, "REQUESTED ACTION")
        lines += _wrap(str(action), "  ")

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
    checked = other_checks(report)
    if not report.get("evidence"):
        lines += _wrap("Nothing was gathered.", "  ")
    elif not checked:
        lines += _wrap("Nothing else: every check is under KEY EVIDENCE.", "  ")
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
            lines += _wrap(back_text(step), num, pad)
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


_TICKS = re.compile(r"`+")
_MD_SPECIAL = ("\\", "*", "<", "|")


def _escape(text: str) -> str:
    for ch in _MD_SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text


def md(text: Any, table: bool = False) -> str:
    """Inline Markdown text on one line: code spans written as `...` stay code spans.

    Outside code spans the characters that would change the text are escaped; a backtick
    without its closing run is escaped too. In a table cell (`table`) a `|` inside a code span
    is escaped as GFM requires.
    """
    s = " ".join(str(text).split())
    out: list[str] = []
    pos = 0
    runs = list(_TICKS.finditer(s))
    i = 0
    while i < len(runs):
        opening = runs[i]
        close = next(
            (j for j in range(i + 1, len(runs)) if len(runs[j].group()) == len(opening.group())),
            None,
        )
        if close is None:
            out.append(_escape(s[pos : opening.start()]))
            out.append("\\`" * len(opening.group()))
            pos = opening.end()
            i += 1
            continue
        span = s[opening.start() : runs[close].end()]
        out.append(_escape(s[pos : opening.start()]))
        out.append(span.replace("|", "\\|") if table else span)
        pos = runs[close].end()
        i = close + 1
    out.append(_escape(s[pos:]))
    return "".join(out)


def code(text: Any, table: bool = False) -> str:
    """An inline code span that holds `text` whatever backticks it contains."""
    s = " ".join(str(text).split())
    run = longest = 0
    for ch in s:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    if table:
        s = s.replace("|", "\\|")
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
    out += [f"| {name} | {md(value, True)} |" for name, value in scope_rows(report)]

    findings = report.get("findings") or []
    out += ["", "## Diagnosis", ""]
    if not findings:
        stopped = stop_title(report)
        out.append(md(f"{stopped}.") if stopped else "No fault found on the path taken.")
    else:
        out += [
            "| # | Finding | Severity | Confidence | Calls | Gateway | Side | Category |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in findings:
            category = _map(f.get("data")).get("category") or "-"
            out.append(
                f"| {f.get('rank')} | {md(f.get('title') or f.get('id'), True)} "
                f"({code(f.get('id'), True)}) | {md(f.get('severity'), True)} "
                f"| {pct(f.get('confidence'))} | {md(calls_text(f), True)} "
                f"| {md(f.get('gateway') or '-', True)} | {md(f.get('side') or '-', True)} "
                f"| {md(category, True)} |"
            )
        for f in findings:
            m = measured(f)
            if m:
                out.append("")
                out.append(f"Measured for {md(f.get('title') or f.get('id'))}: {md('; '.join(m))}.")

    action = report.get("requested_action")
    if action:
        out += ["", "## Requested action", "", md(action)]

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
    checked = other_checks(report)
    titles = {
        str(p.get("node")): p.get("title")
        for p in report.get("path") or []
        if p.get("kind") == "decision" and p.get("title")
    }
    if not report.get("evidence"):
        out.append("Nothing was gathered.")
    elif not checked:
        out.append("Nothing else: every check is under key evidence.")
    else:
        out += ["| Evidence | Status | Step | Summary |", "|---|---|---|---|"]
        for ev in checked:
            node = ev.get("node")
            step = titles.get(str(node)) or node or "-"
            out.append(
                f"| {code(ev.get('name'), True)} | {md(ev.get('status'), True)} "
                f"| {md(step, True)} | {md(ev.get('summary'), True)} |"
            )

    out += ["", "## Path taken", ""]
    path = report.get("path") or []
    if not path:
        out.append("No decision was made.")
    for i, step in enumerate(path, 1):
        if step.get("kind") == "back":
            out.append(f"{i}. {md(back_text(step))}")
            continue
        proposal, choice, facts, override = decision_parts(step)
        out.append(f"{i}. **{md(step_title(step))}**")
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
