"""CDR gatherers for flow check nodes: cdr.causes, cdr.durations, cdr.chains, cdr.providers,
cdr.findings (facts as in docs/facts.md). All five share one cached analysis of the scope."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from dropwizard.cdr.analytics import pdd_p50
from dropwizard.cdr.charts import duration_chart, rejection_chart
from dropwizard.cdr.service import Analysis, analyse, call_not_found_text
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
PROBLEM_MIN = 5
"""Nor do fewer problem calls than this, whatever the share."""


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
        a = analyse(
            src, ctx.scope, getattr(ctx, "flow", None), minute_bursts=True, require_call=False
        )
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


CLASS_CAUSE: dict[str, int] = {"503": 41, "487": 102, "486": 17, "480": 18, "408": 102}
"""The Q.850 cause a rejection class counts as among the problem calls: 503 (and 500/-80) -> 41
under RFC 3398, 486 -> 17, 480 -> 18, 408 -> 102; a 487 that the caller did not cancel is the
switch giving up on a setup timer (PDD or ring timeout), so 102 as for 408/504."""


def problem_calls(a: Analysis) -> tuple[dict[int, int], dict[int, int]]:
    """(cause -> problem calls, cause -> of which answered) of a gateway or window scope.

    The problem calls are the answered calls that dropped (ended by the switch, or with cause
    102, whatever the cause) plus the rejections a provider_rejection finding of high or medium
    severity holds above that gateway's own baseline (a burst) or its peers' rate (chronic): only
    the excess counts. Busy, no answer, caller cancels and rejections at baseline rates are the
    ordinary life of a switch and never count.
    """
    problem: dict[int, int] = defaultdict(int)
    answered: dict[int, int] = defaultdict(int)
    for key, n in a.summary.drop_causes.items():
        cause = key if isinstance(key, int) else 102
        problem[cause] += n
        answered[cause] += n
    for f in a.findings:
        if f.id == "provider_rejection" and _serious(f) and f.calls > 0:
            cause = CLASS_CAUSE.get(str(f.data.get("status")))
            if cause is not None:
                problem[cause] += f.calls
    return dict(problem), dict(answered)


def causes_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    """Totals of the scope and the cause that dominates its problem calls.

    Window or gateway scope: `top_cause` is the cause with the most problem calls (see
    `problem_calls`), `top_cause_share` its share of the problem calls and
    `top_cause_answered_share` the share of those that had been answered. When the problem calls
    are fewer than PROBLEM_FLOOR of the calls (or PROBLEM_MIN) and no detector finding is high or
    medium, nothing stands out: `top_cause` is 16 and `top_cause_share` the share of all calls
    that ended with 16/31. Call scope: the
    facts describe the reported call's final attempt (`call_*`), and `top_cause`,
    `top_cause_share`, `top_cause_answered_share`, `normal_share`, `switch_ended_share` are taken
    over the attempts of its retry chain; the totals stay those of the context around it.
    """
    s = a.summary
    facts: dict[str, Any] = {
        "calls": s.calls,
        "answered": s.answered,
        "failed": s.failed,
        "dropped": s.dropped,
    }
    data: dict[str, Any] = {"totals": a.totals()}
    problem, problem_answered = problem_calls(a)
    if s.calls:
        total = sum(problem.values())
        normal = (s.causes.get(16, 0) + s.causes.get(31, 0)) / s.calls
        stands_out = total >= max(PROBLEM_MIN, PROBLEM_FLOOR * s.calls) or any(
            _serious(f) for f in a.findings
        )
        if problem and stands_out:
            top = max(problem, key=lambda k: (problem[k], -k))
            facts["top_cause"] = top
            facts["top_cause_share"] = round(problem[top] / total, 4)
            facts["top_cause_answered_share"] = round(
                problem_answered.get(top, 0) / problem[top], 4
            )
        else:
            facts["top_cause"] = 16
            facts["top_cause_share"] = round(normal, 4)
            if s.causes.get(16):
                facts["top_cause_answered_share"] = round(
                    s.causes_answered.get(16, 0) / s.causes[16], 4
                )
        facts["normal_share"] = round(normal, 4)
        facts["switch_ended_share"] = round(s.switch_ended / s.calls, 4)
    data["problem_calls"] = [
        {"cause": k, "calls": v, "answered": problem_answered.get(k, 0)}
        for k, v in sorted(problem.items(), key=lambda kv: -kv[1])
    ]
    if a.call is not None:
        _call_facts(a.call, facts)
        data["call"] = a.call
    table = sorted(
        ((str(k), v, s.causes_answered.get(k, 0)) for k, v in s.causes.items()), key=lambda r: -r[1]
    )
    data["causes"] = [{"cause": k, "calls": v, "answered": ans} for k, v, ans in table[:30]]
    data["gateways"] = [
        g.to_dict() for g in sorted(s.gateways.values(), key=lambda g: (g.side, -g.calls))
    ]
    if a.call is not None:
        c = a.call.get("call")
        if not c:
            return (
                Status.WARN,
                f"{call_not_found_text(a.call)}: check the number as the CDRs hold it and the "
                "time, or diagnose the hours around it as a time window or a gateway",
                facts,
                data,
            )
        cause = c["cause"] if c["cause"] is not None else c["cause_label"]
        chain = a.call.get("chain") or [c]
        summary = (
            f"Call {a.call['number']} ended with cause {cause} ({c['cause_label']}) "
            + (f"after {c['holdtime']} s of talk" if c["holdtime"] else "before it was answered")
            + f", released by the {c['direction'] or 'unknown side'} on "
            + f"{c['callee_gateway'] or c['caller_gateway'] or 'no gateway'}"
            + (f", attempt {len(chain)} of its chain" if len(chain) > 1 else "")
        )
        status = Status.OK if c["cause"] in (16, 31) and c["direction"] != "switch" else Status.WARN
        return status, summary, facts, data
    if not s.calls:
        return Status.WARN, "no CDRs in the window", facts, data
    top = facts.get("top_cause")
    summary = (
        f"{s.calls} calls, {s.answered} answered ({s.answered / s.calls:.0%}), "
        f"{s.dropped} dropped; top problem cause {top} ({facts.get('top_cause_share', 0):.0%}"
        + (" of the problem calls)" if sum(problem.values()) and top != 16 else " of the calls)")
    )
    status = Status.OK if top in (16, 31) else Status.WARN
    return status, summary, facts, data


def _call_facts(call: Mapping[str, Any], facts: dict[str, Any]) -> None:
    """The reported call's facts: its final attempt, and the causes over its retry chain."""
    c = call.get("call")
    facts["call_found"] = bool(c)
    for k in ("top_cause", "top_cause_share", "top_cause_answered_share"):
        facts.pop(k, None)
    if not c:
        for k in ("normal_share", "switch_ended_share"):
            facts.pop(k, None)
        return
    if c["cause"] is not None:
        facts["call_cause"] = c["cause"]
    facts["call_holdtime"] = c["holdtime"]
    if c["direction"]:
        facts["call_direction"] = c["direction"]
    if c["sip_status"] is not None:
        facts["call_sip_status"] = c["sip_status"]
    chain = call.get("chain") or [c]
    if c["cause"] is not None:
        same = [x for x in chain if x["cause"] == c["cause"]]
        facts["top_cause"] = c["cause"]
        facts["top_cause_share"] = round(len(same) / len(chain), 4)
        facts["top_cause_answered_share"] = round(
            sum(x["holdtime"] > 0 for x in same) / len(same), 4
        )
    facts["normal_share"] = round(sum(x["cause"] in (16, 31) for x in chain) / len(chain), 4)
    facts["switch_ended_share"] = round(
        sum(x["direction"] == "switch" for x in chain) / len(chain), 4
    )


def durations_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    """Drop-duration patterns. In a call scope they are those that explain the reported call:
    the pattern of a spike or band on the call's gateway that holds its talk time, `random` when
    it dropped outside every pattern, `none` when it was not an answered call that dropped."""
    s = a.summary
    facts: dict[str, Any] = {"drops": s.dropped}
    px = s.drops_proxied.get(("all", ""), [0, 0])
    if px[0]:
        facts["proxied_share"] = round(px[1] / px[0], 4)
    found = [f for f in a.findings if f.id in DURATION_IDS]
    serious = [f for f in found if _serious(f)]
    data: dict[str, Any] = {"findings": [f.to_dict() for f in found]}
    if a.call is not None and not a.call.get("call"):
        facts["pattern"] = "none"
        return Status.WARN, "the reported call has no CDR: no drop of it to explain", facts, data
    if not s.dropped:
        facts["pattern"] = "none"
        return Status.OK, "no switch-ended or cause-102 drops", facts, data
    call = _reported_drop(a)
    if a.call is not None and call is None:
        facts["pattern"] = "none"
        return Status.OK, "the reported call was not an answered call that dropped", facts, data
    if call is not None:
        serious = [f for f in serious if _explains(f, call)]
        if not serious:
            facts["pattern"] = "random"
            return (
                Status.OK,
                f"the reported call dropped after {call['holdtime']} s, outside every spike or "
                f"band of the {s.dropped} drops around it",
                facts,
                data,
            )
        data["findings"] = [f.to_dict() for f in serious] + [
            f.to_dict() for f in found if f not in serious
        ]
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


def _reported_drop(a: Analysis) -> dict[str, Any] | None:
    """The reported call's final attempt when it was answered and then dropped, else None."""
    c = (a.call or {}).get("call")
    if not c or c["holdtime"] <= 0:
        return None
    if c["direction"] == "switch" or c["cause"] == 102:
        return c
    return None


def _on_call_gateway(f: Finding, call: Mapping[str, Any]) -> bool:
    if not f.gateway:
        return True
    if f.side == "caller":
        return f.gateway == call["caller_gateway"]
    if f.side == "callee":
        return f.gateway == call["callee_gateway"]
    return f.gateway in (call["caller_gateway"], call["callee_gateway"])


def _explains(f: Finding, call: Mapping[str, Any]) -> bool:
    """Whether a duration finding covers the call: on its gateway, at its talk time."""
    if not _on_call_gateway(f, call):
        return False
    hold = call["holdtime"]
    d = f.data
    if "spike_s" in d:
        at = d.get("value_s", d["spike_s"]) if f.id == "max_call_duration" else d["spike_s"]
        return abs(hold - int(at)) <= 2
    if "band_start_s" in d:
        return int(d["band_start_s"]) - 1 <= hold <= int(d.get("band_end_s") or hold)
    return False


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

    c = (a.call or {}).get("call")
    if c:
        chain_gws = [x["callee_gateway"] for x in (a.call or {}).get("chain") or [c]]
        mine = [f for f in found if f.gateway in chain_gws]
        mine.sort(key=lambda f: f.gateway != c["callee_gateway"])
        found = mine + [f for f in found if f not in mine]
        if not mine and c["callee_gateway"] in totals:
            found = [f for f in found if f.gateway == c["callee_gateway"]]
    if found and found[0].gateway in totals:
        top = str(found[0].gateway)
    elif c and c["callee_gateway"] in totals:
        top = c["callee_gateway"]
    else:
        top = max(totals, key=lambda g: (rejected(totals[g]) / max(1, totals[g]["attempts"]), g))
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


def durations_chart_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    """Drop-duration patterns, with the drop histogram for the wizard and exports."""
    status, summary, facts, data = durations_facts(a)
    data.update(duration_chart(a))
    return status, summary, facts, data


def providers_chart_facts(a: Analysis) -> tuple[Status, str, dict, dict]:
    """Rejections per provider gateway, with the top gateway's rejections over time."""
    status, summary, facts, data = providers_facts(a)
    data.update(rejection_chart(a, facts.get("top_gateway")))
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
    "cdr.durations": (
        durations_chart_facts,
        "Drop-duration spikes and bands (timers, RTP timeout)",
    ),
    "cdr.chains": (chains_facts, "Retry chains and mid-call gateway switches (flownofirst)"),
    "cdr.providers": (
        providers_chart_facts,
        "Rejections per provider gateway against its baseline",
    ),
    "cdr.findings": (findings_facts, "Every CDR detector's findings, most important first"),
}


def register(registry: Any) -> None:
    """Add the CDR gatherers to a `dropwizard.gather.Registry`."""
    for name, (build, doc) in GATHERERS.items():
        registry.add(name, _gatherer(name, build), doc)
