"""CDR gatherers for flow check nodes: cdr.causes, cdr.durations, cdr.chains, cdr.providers,
cdr.findings (facts as in docs/facts.md). All five share one cached analysis of the scope."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from dropwizard.cdr.analytics import pdd_p50
from dropwizard.cdr.service import Analysis, analyse
from dropwizard.diagnosis.detectors import REJECT_CLASSES, provider_series
from dropwizard.diagnosis.finding import Finding, Severity
from dropwizard.errors import DropwizardError
from dropwizard.evidence import Evidence, Status, utc_now_iso
from dropwizard.scope import iso

DURATION_IDS = {
    "session_timer_expiry": "session_timer",
    "ack_timeout": "ack_timeout",
    "max_call_duration": "max_call_duration",
    "rtp_timeout": "rtp_timeout",
    "firewall_udp_timeout": "other",
    "nat_keepalive_loss": "other",
}
PROBLEM_FLOOR = 0.005
"""Problem calls below this share of the scope leave top_cause at 16 (nothing stands out)."""


def _serious(f: Finding) -> bool:
    return f.severity in (Severity.HIGH, Severity.MEDIUM)


def _run(
    name: str, ctx: Any, build: Callable[[Analysis], tuple[Status, str, dict, dict]]
) -> Evidence:
    started = utc_now_iso()
    t0 = time.perf_counter()
    src = getattr(ctx, "source", None)
    if src is None:
        return Evidence(
            name=name,
            kind="cdr",
            asked=name,
            status=Status.SKIPPED,
            summary="no CDR source in this session",
            started_at=started,
        )
    try:
        a = analyse(src, ctx.scope, getattr(ctx, "flow", None))
        status, summary, facts, data = build(a)
    except DropwizardError as exc:
        return Evidence(
            name=name,
            kind="cdr",
            asked=f"{name} on {src.describe()}",
            status=Status.ERROR,
            summary=exc.message,
            started_at=started,
            duration_ms=round((time.perf_counter() - t0) * 1000, 3),
        )
    data.setdefault("window", {"since": iso(a.since), "until": iso(a.until)})
    if a.notes:
        data.setdefault("notes", a.notes)
    return Evidence(
        name=name,
        kind="cdr",
        asked=f"{name}: {src.describe()}, {ctx.scope.describe()} (tables {', '.join(a.profile.tables) or 'none'})",
        status=status,
        summary=summary,
        facts=facts,
        data=data,
        raw="\n".join(src.stats.log[-20:]),
        started_at=started,
        duration_ms=round((time.perf_counter() - t0) * 1000, 3),
    )


def causes_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    s = a.summary
    facts: dict[str, Any] = {
        "calls": s.calls,
        "answered": s.answered,
        "failed": s.failed,
        "dropped": s.dropped,
    }
    data: dict[str, Any] = {"totals": a.totals()}
    if s.calls:
        ints = {k: v for k, v in s.problem.items() if isinstance(k, int)}
        problem_total = sum(s.problem.values())
        if ints and problem_total >= PROBLEM_FLOOR * s.calls:
            top = max(ints, key=lambda k: (ints[k], -k))
        else:
            top = 16
        facts["top_cause"] = top
        facts["top_cause_share"] = round(s.causes.get(top, 0) / s.calls, 4)
        if s.causes.get(top):
            facts["top_cause_answered_share"] = round(
                s.causes_answered.get(top, 0) / s.causes[top], 4
            )
        facts["normal_share"] = round((s.causes.get(16, 0) + s.causes.get(31, 0)) / s.calls, 4)
        facts["switch_ended_share"] = round(s.switch_ended / s.calls, 4)
    if a.call is not None:
        facts["call_found"] = bool(a.call["call"])
        c = a.call["call"]
        if c:
            if c["cause"] is not None:
                facts["call_cause"] = c["cause"]
                facts["top_cause"] = c["cause"]
            facts["call_holdtime"] = c["holdtime"]
            if c["direction"]:
                facts["call_direction"] = c["direction"]
            if c["sip_status"] is not None:
                facts["call_sip_status"] = c["sip_status"]
        data["call"] = a.call
    table = sorted(
        ((str(k), v, s.causes_answered.get(k, 0)) for k, v in s.causes.items()), key=lambda r: -r[1]
    )
    data["causes"] = [{"cause": k, "calls": v, "answered": ans} for k, v, ans in table[:30]]
    data["gateways"] = [
        g.to_dict() for g in sorted(s.gateways.values(), key=lambda g: (g.side, -g.calls))
    ]
    if a.call is not None and not facts.get("call_found"):
        return (
            Status.WARN,
            f"no CDR of {a.call['number']} within ±2 min of {a.call['at']}",
            facts,
            data,
        )
    if not s.calls:
        return Status.WARN, "no CDRs in the window", facts, data
    top = facts.get("top_cause")
    summary = (
        f"{s.calls} calls, {s.answered} answered ({s.answered / s.calls:.0%}), "
        f"{s.dropped} dropped; top cause {top} ({facts.get('top_cause_share', 0):.0%})"
    )
    status = Status.OK if top in (16, 31) else Status.WARN
    return status, summary, facts, data


def durations_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    s = a.summary
    facts: dict[str, Any] = {"drops": s.dropped}
    px = s.drops_proxied.get(("all", ""), [0, 0])
    if px[0]:
        facts["proxied_share"] = round(px[1] / px[0], 4)
    found = [f for f in a.findings if f.id in DURATION_IDS]
    serious = [f for f in found if _serious(f)]
    data: dict[str, Any] = {"findings": [f.to_dict() for f in found]}
    if not s.dropped:
        facts["pattern"] = "none"
        return Status.OK, "no switch-ended or cause-102 drops", facts, data
    if not serious:
        facts["pattern"] = "random"
        return (
            Status.OK,
            f"{s.dropped} drops at scattered durations (no spike, no band)",
            facts,
            data,
        )
    f = serious[0]
    side_drops = s.drops.get((f.side, f.gateway), {}) if f.gateway else s.drops.get(("all", ""), {})
    n_drops = sum(side_drops.values()) or s.dropped
    if "spike_s" in f.data:
        facts.update(
            pattern="spike",
            spike_s=f.data["spike_s"],
            spike_share=round(f.data["spike_calls"] / n_drops, 4),
            spike_kind=DURATION_IDS[f.id],
        )
        if f.id == "max_call_duration":
            facts["spike_s"] = f.data.get("value_s", facts["spike_s"])
        if "timer_s" in f.data:
            facts["timer_s"] = f.data["timer_s"]
        if "implied_session_expires" in f.data:
            facts["implied_session_expires"] = f.data["implied_session_expires"]
        summary = f"spike of drops at {facts['spike_s']} s ({f.title})"
    else:
        facts.update(
            pattern="band",
            band_start_s=f.data["band_start_s"],
            band_share=round(f.data["band_calls"] / n_drops, 4),
        )
        summary = f"band of drops from {f.data['band_start_s']} s ({f.title})"
    return Status.WARN, summary, facts, data


def chains_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    p = a.profile
    found = [f for f in a.findings if f.id == "failover_switch"]
    data: dict[str, Any] = {"findings": [f.to_dict() for f in found]}
    if not p.chains_known:
        return Status.SKIPPED, "no flownofirst column: retry chains cannot be followed", {}, data
    chains = sum(v[0] for v in p.chains.values())
    mid: dict[str, int] = defaultdict(int)
    for (gw, midcall), (_c, n) in p.chains.items():
        if midcall and gw:
            mid[gw] += n
    m = sum(mid.values())
    facts = {
        "chains": chains,
        "midcall_switches": m,
        "midcall_share": round(m / a.summary.answered, 4) if a.summary.answered else 0.0,
        "gateways": sorted(mid, key=lambda g: -mid[g]),
    }
    status = Status.WARN if any(_serious(f) for f in found) else Status.OK
    return status, f"{chains} retried calls, {m} mid-call gateway switches", facts, data


def providers_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    prof, s = a.profile, a.summary
    found = [f for f in a.findings if f.id == "provider_rejection"]
    data: dict[str, Any] = {"findings": [f.to_dict() for f in found]}
    totals: dict[str, dict[str, int]] = {}
    for gw, series in provider_series(prof).items():
        t: dict[str, int] = defaultdict(int)
        for cell in series.values():
            for k, v in cell.items():
                t[k] += v
        totals[gw] = t
    if not totals:
        return Status.OK, "no provider gateway attempts in scope", {}, data

    def rejected(t: dict[str, int]) -> int:
        return sum(t[k] for k in REJECT_CLASSES)

    top = (
        found[0].gateway
        if found and found[0].gateway in totals
        else max(totals, key=lambda g: (rejected(totals[g]) / max(1, totals[g]["attempts"]), g))
    )
    t = totals[top]
    att = max(1, t["attempts"])
    classes = {k: t[k] for k in REJECT_CLASSES}
    facts: dict[str, Any] = {
        "top_gateway": top,
        "rejected_share": round(rejected(t) / att, 4),
        **{f"rate_{k}": round(t[k] / att, 4) for k in REJECT_CLASSES},
        "burst": False,
    }
    if any(classes.values()):
        facts["top_status"] = int(
            found[0].data["status"] if found else max(classes, key=lambda k: classes[k])
        )
    if t["487"]:
        facts["cancel_by_caller_share"] = round(t["487_caller"] / t["487"], 4)
    pdd = pdd_p50(prof, top)
    if pdd is not None:
        facts["pdd_p50_ms"] = pdd
    burst = next((f for f in found if f.gateway == top and f.data.get("window")), None)
    if burst is not None:
        facts.update(
            burst=True,
            burst_start=burst.data["window"]["start"],
            burst_end=burst.data["window"]["end"],
            baseline_rate=burst.data["baseline_rate"],
            burst_rate=burst.data["burst_rate"],
        )
    data["providers"] = [
        {
            "gateway": g,
            "attempts": v["attempts"],
            "rejected": rejected(v),
            **{f"rate_{k}": round(v[k] / max(1, v["attempts"]), 4) for k in REJECT_CLASSES},
            "pdd_p50_ms": pdd_p50(prof, g),
            "asr": round(s.gateway("callee", g).asr, 4),
        }
        for g, v in sorted(totals.items())
    ]
    status = Status.WARN if any(_serious(f) for f in found) else Status.OK
    summary = (
        found[0].title
        if found
        else f"no provider stands out; worst {top} rejects {facts['rejected_share']:.0%}"
    )
    return status, summary, facts, data


def findings_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    fs = a.findings
    facts: dict[str, Any] = {
        "ids": [f.id for f in fs],
        "high": sum(f.severity == Severity.HIGH for f in fs),
        "medium": sum(f.severity == Severity.MEDIUM for f in fs),
    }
    if fs:
        facts["top_id"] = fs[0].id
    data = {"findings": [f.to_dict() for f in fs], "totals": a.totals()}
    status = Status.WARN if facts["high"] or facts["medium"] else Status.OK
    summary = f"{len(fs)} finding(s), top: {fs[0].title}" if fs else "no findings"
    return status, summary, facts, data


def _gatherer(name: str, build: Callable[[Analysis], tuple[Status, str, dict, dict]]):
    def run(ctx: Any, params: Mapping[str, Any]) -> Evidence:
        return _run(name, ctx, build)

    run.__doc__ = build.__doc__ or name
    return run


GATHERERS: dict[str, tuple[Callable[[Analysis], tuple[Status, str, dict, dict]], str]] = {
    "cdr.causes": (causes_facts, "Release causes, totals and the reported call's cause"),
    "cdr.durations": (durations_facts, "Drop-duration spikes and bands (timers, RTP timeout)"),
    "cdr.chains": (chains_facts, "Retry chains and mid-call gateway switches (flownofirst)"),
    "cdr.providers": (providers_facts, "Rejections per provider gateway against its baseline"),
    "cdr.findings": (findings_facts, "Every CDR detector's findings, most important first"),
}


def register(registry: Any) -> None:
    """Add the CDR gatherers to a `dropwizard.gather.Registry`."""
    for name, (build, doc) in GATHERERS.items():
        registry.add(name, _gatherer(name, build), doc)
