"""One analysis of a scope on a source: profile, summary, findings, the reported call. Cached."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from dropwizard.cdr import analytics, bursts, sql
from dropwizard.cdr.base import CdrSource
from dropwizard.diagnosis.detectors import Burst, detect
from dropwizard.diagnosis.finding import Finding, Severity, rank_findings
from dropwizard.errors import InputError
from dropwizard.reference.causes import normalise
from dropwizard.reference.vos import direction_name
from dropwizard.scope import CALL_WINDOW, Scope, iso, normalise_number, number_forms

CALL_CONTEXT = timedelta(hours=12)
"""For a single-call scope, patterns are looked for this far either side of the call."""
CHAIN_SPAN = timedelta(minutes=10)


class CallNotFound(InputError):
    """A call scope whose number has no CDR around the reported time. Exit 2."""


@dataclass
class Analysis:
    source: str
    since: datetime | None
    until: datetime | None
    gateway: str | None
    profile: analytics.Profile
    summary: analytics.Summary
    findings: list[Finding]
    call: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        s = self.summary
        return {"calls": s.calls, "answered": s.answered, "failed": s.failed, "dropped": s.dropped}


def window_for(source: CdrSource, scope: Scope) -> tuple[datetime | None, datetime | None]:
    if scope.kind == "call" and scope.at is not None:
        return scope.at - CALL_CONTEXT, scope.at + CALL_CONTEXT
    since, until = scope.since, scope.until
    if since is None and until is None:
        return source.default_window()
    if since is None or until is None:
        d_since, d_until = source.default_window()
        if since is None:
            since = d_since if (d_since and until and d_since < until) else None
        if until is None:
            until = d_until if (d_until and since and d_until > since) else None
    return since, until


def lookup_call(source: CdrSource, number: str, at: datetime) -> dict[str, Any]:
    """The CDRs of `number` within ±2 min of `at`, and every leg of their retry chains.

    The number is looked up in its normalised forms (`scope.number_forms`); `searched` is the
    time range and the forms tried."""
    number = normalise_number(number)
    forms = number_forms(number)
    lo, hi = at - CALL_WINDOW, at + CALL_WINDOW
    lo_ms, hi_ms = int(lo.timestamp() * 1000), int(hi.timestamp() * 1000)
    legs: dict[Any, dict[str, Any]] = {}
    plans = source.lookup_plan(lo - timedelta(hours=4), hi + timedelta(hours=4))
    for plan in plans:
        cm = source.columns(plan.table)
        for row in source.execute(sql.call_lookup(cm, plan.table, forms, lo_ms, hi_ms)):
            d = dict(zip(sql.CALL_FIELDS, row, strict=True))
            legs[d["flowno"]] = d
    firsts = sorted({int(d["flownofirst"]) for d in legs.values() if d.get("flownofirst")})
    if firsts:
        span_lo = int((lo - CHAIN_SPAN).timestamp() * 1000)
        span_hi = int((hi + CHAIN_SPAN).timestamp() * 1000 + 4 * 3600 * 1000)
        for plan in plans:
            cm = source.columns(plan.table)
            if not cm.has("flownofirst"):
                continue
            for row in source.execute(
                sql.chain_lookup(cm, plan.table, firsts[:50], span_lo, span_hi)
            ):
                d = dict(zip(sql.CALL_FIELDS, row, strict=True))
                legs.setdefault(d["flowno"], d)
    out = []
    for d in sorted(legs.values(), key=lambda d: (d.get("starttime") or 0, d.get("flowno") or 0)):
        cause = normalise(_int(d.get("endreason")), d.get("reason") or None)
        out.append(
            {
                "flowno": _int(d.get("flowno")),
                "flownofirst": _int(d.get("flownofirst")),
                "caller": d.get("caller") or "",
                "callee": d.get("callee") or "",
                "caller_gateway": d.get("caller_gw") or "",
                "callee_gateway": d.get("callee_gw") or "",
                "start": _iso_ms(d.get("starttime")),
                "stop": _iso_ms(d.get("stoptime")),
                "holdtime": _int(d.get("holdtime")) or 0,
                "direction": direction_name(_int(d.get("enddirection"))),
                "endreason": _int(d.get("endreason")),
                "reason_header": d.get("reason") or "",
                "cause": cause.q850,
                "cause_label": cause.label,
                "sip_status": cause.sip_status,
                "rtpforward": _int(d.get("rtpforward")),
                "callercallid": d.get("callercallid") or "",
                "calleecallid": d.get("calleecallid") or "",
            }
        )
    matching = [
        x
        for x in out
        if any(x["caller"].endswith(form) or x["callee"].endswith(form) for form in forms)
    ]
    nearest = _closest(matching or out, at)
    chain = chain_of(out, nearest)
    target = chain[-1] if chain else None
    return {
        "number": number,
        "at": iso(at),
        "found": bool(out),
        "searched": {"since": iso(lo), "until": iso(hi), "numbers": forms},
        "legs": out,
        "chain": chain,
        "call": target,
    }


def chain_of(legs: list[dict[str, Any]], leg: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every attempt of `leg`'s call (same flownofirst), first to final; the final attempt is
    what the caller experienced (earlier legs were retried)."""
    if leg is None:
        return []
    first = leg.get("flownofirst")
    if not first:
        return [leg]
    chain = [x for x in legs if x.get("flownofirst") == first or x.get("flowno") == first]
    return sorted(chain, key=lambda x: (x["start"] or "", x["flowno"] or 0)) or [leg]


def _closest(legs: list[dict[str, Any]], at: datetime) -> dict[str, Any] | None:
    """The leg the report is about: the leg nearest `at` (answered legs first)."""
    if not legs:
        return None
    t = at.timestamp()

    def dist(x: dict[str, Any]) -> float:
        start = (
            datetime.fromisoformat(x["start"].replace("Z", "+00:00")).timestamp()
            if x["start"]
            else t
        )
        stop = (
            datetime.fromisoformat(x["stop"].replace("Z", "+00:00")).timestamp() if x["stop"] else t
        )
        return 0.0 if start <= t <= stop else min(abs(t - start), abs(t - stop))

    answered = [x for x in legs if x["holdtime"] > 0]
    return min(answered or legs, key=dist)


def _int(v: Any) -> int | None:
    try:
        return None if v is None or v == "" else int(v)
    except (TypeError, ValueError):
        return None


def _iso_ms(v: Any) -> str | None:
    ms = _int(v)
    return analytics.iso_ms(ms) if ms is not None else None


def _with_peer_findings(whole: Analysis, gateway: str, findings: list[Finding]) -> list[Finding]:
    """Add the provider rejections only a comparison with the other gateways shows (a rate far
    above its peers all day long): the gateway's own calls hold no peers to compare with."""
    have = {
        (f.gateway, str(f.data.get("status"))) for f in findings if f.id == "provider_rejection"
    }
    extra = [
        f
        for f in whole.findings
        if f.id == "provider_rejection"
        and f.gateway == gateway
        and (f.gateway, str(f.data.get("status"))) not in have
    ]
    if not extra:
        return findings
    if any(f.severity.rank >= Severity.MEDIUM.rank for f in extra):
        findings = [f for f in findings if f.id != "normal_clearing"]
    return rank_findings(findings + extra)


def _findings(source: CdrSource, a: Analysis, flow: Any, *, refine_bursts: bool) -> list[Finding]:
    """The detectors' findings for an analysed scope (with the whole window's peer findings on
    a gateway scope)."""
    whole = None
    if a.gateway and a.summary.calls:
        whole = analyse(
            source,
            Scope(kind="window", since=a.since, until=a.until),
            flow,
            minute_bursts=refine_bursts,
        )
    owned = frozenset(
        (f.id, f.gateway) for f in (whole.findings if whole else []) if f.gateway and f.side
    )

    def refine(b: Burst) -> Burst:
        return bursts.refine(source, b, a.since, a.until, a.gateway, a.profile.bucket_ms)

    findings = detect(
        a.profile, a.summary, flow, a.gateway, owned, refine if refine_bursts else None
    )
    if whole is not None and a.gateway:
        findings = _with_peer_findings(whole, a.gateway, findings)
    return findings


def analyse(
    source: CdrSource,
    scope: Scope,
    flow: Any = None,
    *,
    minute_bursts: bool = False,
    require_call: bool = True,
) -> Analysis:
    """Analyse a scope (cached per source and scope).

    `minute_bursts` places rejection bursts to the minute: one more statement per burst, read
    over the buckets around it, after the analysis (the profile and timeline are reused).

    A call scope whose number has no CDR around the reported time raises CallNotFound (exit 2)
    rather than passing off the hours around it as the call's diagnosis; with
    `require_call=False` the analysis is returned with `call["call"]` None (the gatherers report
    `call_found` false)."""
    if require_call:
        call = _reported_call(source, scope)
        if call is not None and not call.get("call"):
            raise CallNotFound(
                f"{call_not_found_text(call)}: check the number as the CDRs hold it and the time "
                "(UTC unless it carries an offset), or widen the search to the hours around it "
                "with --since/--until instead of --call"
            )
    return _analyse(source, scope, flow, minute_bursts)


def _reported_call(source: CdrSource, scope: Scope) -> dict[str, Any] | None:
    """The lookup of a call scope's call (cached per source, number and time), else None."""
    if scope.kind != "call" or not scope.number or not scope.at:
        return None
    cache: dict[Any, dict[str, Any]] = source.__dict__.setdefault("_call_cache", {})
    key = (scope.number, scope.at)
    if key not in cache:
        cache[key] = lookup_call(source, scope.number, scope.at)
    return cache[key]


def call_not_found_text(call: dict[str, Any]) -> str:
    """What was looked up for a reported call without a CDR: the number, the range, the forms."""
    searched = call.get("searched") or {}
    others = [n for n in searched.get("numbers") or [] if n != call["number"]]
    return (
        f"no CDR of {call['number']} within ±2 min of {call['at']} (searched "
        f"{searched.get('since') or '?'} .. {searched.get('until') or '?'}"
        + (f", also as {', '.join(others)}" if others else "")
        + ")"
    )


def _analyse(source: CdrSource, scope: Scope, flow: Any, minute_bursts: bool) -> Analysis:
    cache: dict[Any, Analysis] = source.__dict__.setdefault("_analysis_cache", {})
    key = (
        scope.kind,
        scope.since,
        scope.until,
        scope.gateway,
        scope.number,
        scope.at,
        id(flow),
        minute_bursts,
    )
    if key in cache:
        return cache[key]
    if minute_bursts:
        base = _analyse(source, scope, flow, False)
        a = replace(base, findings=_findings(source, base, flow, refine_bursts=True))
        cache[key] = a
        return a
    since, until = window_for(source, scope)
    gateway = scope.gateway if scope.kind == "gateway" else None
    prof = analytics.collect(source, since, until, gateway)
    summary = analytics.summarise(prof)
    a = Analysis(source.describe(), since, until, gateway, prof, summary, [])
    findings = _findings(source, a, flow, refine_bursts=False)
    call = _reported_call(source, scope)
    a = replace(a, findings=findings, call=call, notes=list(dict.fromkeys(source.notes)))
    if summary.calls == 0:
        a.notes.append(
            f"no CDRs in {iso(since) or 'start'} .. {iso(until) or 'end'}"
            + (f" for gateway {gateway}" if gateway else "")
        )
    cache[key] = a
    return a
