"""CaptureResult: calls, streams, OPTIONS, load, findings and warnings, with its JSON shape."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dropwizard.capture.analyser import Analyser
from dropwizard.capture.dialogs import Call
from dropwizard.capture.findings import detect
from dropwizard.capture.media import evaluate, verdict
from dropwizard.capture.network import LINK_NAMES
from dropwizard.diagnosis.finding import Finding

TIMER_F_S = 32.0
"""A refresh with no answer this long before the capture ends counts as unanswered."""
STOP_THRESHOLD_S = 2.0
"""A direction silent this long before the end of its call counts as stopped."""


def iso(t: float | None) -> str | None:
    """UTC ISO 8601 with milliseconds and a trailing Z."""
    if t is None:
        return None
    try:
        dt = datetime.fromtimestamp(t, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return f"{t:.3f}"
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(x, nd)


@dataclass
class CaptureResult:
    """Everything one capture showed. `calls` and `streams` are JSON-ready dicts."""

    path: str
    summary: dict[str, Any]
    calls: list[dict[str, Any]]
    streams: list[dict[str, Any]]
    orphan_streams: list[dict[str, Any]]
    options: list[dict[str, Any]]
    load: dict[str, Any]
    findings: list[Finding]
    warnings: list[str]
    facts: dict[str, Any] = field(default_factory=dict)

    def call(self, call_id: str) -> dict[str, Any] | None:
        for c in self.calls:
            if c["call_id"] == call_id:
                return c
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "summary": self.summary,
            "calls": self.calls,
            "orphan_streams": self.orphan_streams,
            "options": self.options,
            "load": self.load,
            "findings": [f.to_dict() for f in self.findings],
            "facts": self.facts,
            "warnings": self.warnings,
        }


def _stream_dict(st: Any, end: float | None) -> dict[str, Any]:
    d = st.to_dict(end)
    d["first"], d["last"] = iso(st.first), iso(st.last)
    d["max_gap_at"] = iso(st.gap_at) if st.gap_at else None
    return d


def _ending(e: Any, status: int | None = None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "at": iso(e.t),
        "by": e.by,
        "src": e.src,
        "reason": e.reason_text() or None,
        "reasons": [r.to_dict() for r in e.reasons],
        "q850_cause": e.q850(),
        "status": status,
    }


def call_dict(c: Call, media: dict[str, Any], capture_end: float) -> dict[str, Any]:
    base = c.setup if c.setup is not None else c.first_t
    end = c.end_t
    st = c.session_timer()
    if st:
        for k in ("last_refresh_at", "expires_at", "teardown_at"):
            st[k] = iso(st[k])
    ack_after = (
        round((c.ack_t - c.answered_t) * 1000.0, 1)
        if c.ack_t is not None and c.answered_t is not None
        else None
    )
    media_out = {
        d: {
            **v,
            "first": iso(v["first"]),
            "last": iso(v["last"]),
        }
        for d, v in media.items()
    }
    stream_end = end if end is not None else (capture_end if c.answered_t else None)
    return {
        "call_id": c.call_id,
        "from": c.from_uri,
        "to": c.to_uri,
        "caller": c.caller or None,
        "callee": c.callee or None,
        "partial": c.partial,
        "setup": iso(c.setup),
        "answered": iso(c.answered_t),
        "end": iso(end),
        "duration_s": _r(end - c.answered_t) if end and c.answered_t else None,
        "final_status": c.final_status,
        "final_phrase": c.final_phrase or None,
        "final_reason": ", ".join(str(r) for r in c.final_reasons) or None,
        "pdd_ms": c.pdd_ms,
        "ack": {
            "seen": c.ack_t is not None,
            "after_ms": ack_after,
            "ok_count": c.ok_count,
            "ok_retransmissions": c.retransmitted_200s(),
        }
        if c.answered_t is not None
        else None,
        "session_timer": st,
        "refreshes": [
            {
                "at": iso(r["at"]),
                "after_s": _r(r["at"] - base),
                "method": r["method"],
                "by": r["by"],
                "answered": r["answered"],
                "status": r["status"],
            }
            for r in c.refreshes()
        ],
        "bye": _ending(c.bye, c.bye_status),
        "cancel": _ending(c.cancel),
        "user_agents": c.user_agents,
        "contacts": c.contacts,
        "vias": c.vias,
        "sdp": {side: s.to_dict() for side, s in c.sdp.items()},
        "media": media_out,
        "rtcp_packets": c.rtcp_packets,
        "streams": [_stream_dict(s, stream_end) for s in c.streams],
        "messages": c.messages,
        "timeline": [
            {"at": iso(t), "offset_s": _r(t - base), "src": s, "dst": d, "msg": label}
            for t, s, d, label in c.timeline
        ],
        "timeline_cut": max(0, c.messages - len(c.timeline)),
    }


def build(an: Analyser, stop_threshold: float = STOP_THRESHOLD_S) -> CaptureResult:
    """Turn the analyser state into a CaptureResult with findings and gatherer facts."""
    start = an.first_t or 0.0
    end = an.last_t or start
    calls = sorted(an.calls.values(), key=lambda c: c.setup or c.first_t)
    any_rtp = any(s.packets for c in calls for s in c.streams) or bool(an.orphans)
    media: dict[str, dict[str, Any]] = {}
    verdicts: dict[str, dict[str, bool]] = {}
    for c in calls:
        media[c.call_id] = evaluate(c, end, stop_threshold, any_rtp)
        verdicts[c.call_id] = verdict(media[c.call_id])
    options = an.options.summaries(end)
    duration = max(0.0, end - start)
    load = an.load.summary(duration)
    findings = detect(calls, media, options, load, end)
    call_dicts = []
    for c in calls:
        d = call_dict(c, media[c.call_id], end)
        d["verdict"] = verdicts[c.call_id]
        d["findings"] = [f.id for f in findings if c.call_id in f.data.get("call_ids", [])]
        call_dicts.append(d)
    orphan = [_stream_dict(s, None) for s in an.orphans if s.packets]
    streams = [s for d in call_dicts for s in d["streams"]] + orphan
    rtcp = an.rtcp_packets
    rtp_packets = sum(s["packets"] for s in streams)
    summary = {
        "format": an.reader.format if an.reader else None,
        "link_types": sorted(
            LINK_NAMES.get(lt, str(lt)) for lt in (an.reader.linktypes if an.reader else ())
        ),
        "compressed": bool(an.reader and an.reader.compressed),
        "packets": an.packets,
        "bytes": an.bytes,
        "start": iso(an.first_t),
        "end": iso(an.last_t),
        "duration_s": _r(duration),
        "sip_messages": an.sip_messages,
        "rtp_packets": rtp_packets,
        "rtcp_packets": rtcp,
        "calls": len(calls),
        "answered": sum(1 for c in calls if c.answered_t is not None),
        "streams": len(streams),
        "orphan_streams": len(orphan),
        "ip_fragments_reassembled": an.frag.completed,
        "other_requests": an.other_requests,
        "stop_threshold_s": stop_threshold,
    }
    result = CaptureResult(
        path=an.path,
        summary=summary,
        calls=call_dicts,
        streams=streams,
        orphan_streams=orphan,
        options=options,
        load=load,
        findings=findings,
        warnings=list(an.warnings),
    )
    result.facts = facts(result, calls, verdicts, end)
    return result


def facts(
    result: CaptureResult,
    calls: list[Call],
    verdicts: dict[str, dict[str, bool]],
    capture_end: float,
) -> dict[str, Any]:
    """The `capture.analysis` facts of docs/facts.md; a fact not established is left out."""
    out: dict[str, Any] = {"calls": len(calls)}
    has_rtp = result.summary["rtp_packets"] > 0
    if has_rtp:
        out["rtp_stopped_calls"] = sum(1 for v in verdicts.values() if v["stopped"])
        out["one_way_calls"] = sum(1 for v in verdicts.values() if v["one_way"])
        out["both_stopped_calls"] = sum(1 for v in verdicts.values() if v["both_stopped"])
    out["refresh_unanswered"] = sum(
        1
        for c in calls
        for r in c.refreshes()
        if not r["answered"] and (c.end_t is not None or capture_end - r["at"] >= TIMER_F_S)
    )
    out["missing_ack"] = sum(f.calls for f in result.findings if f.id == "ack_timeout")
    if result.options:
        out["options_unanswered_streak"] = max(
            o["longest_unanswered_streak"] for o in result.options
        )
    finals = [c.final_status for c in calls if c.final_status is not None and not c.partial]
    failed = Counter(s for s in finals if s >= 300)
    if failed:
        out["top_final_status"] = failed.most_common(1)[0][0]
    elif finals:
        out["top_final_status"] = Counter(finals).most_common(1)[0][0]
    out["flood"] = bool(result.load.get("flood"))
    out["finding_ids"] = [f.id for f in result.findings]
    return out
