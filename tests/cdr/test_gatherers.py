"""The cdr.* gatherers give the facts of docs/facts.md on the demo day and on planted faults."""

from __future__ import annotations

from typing import Any

import pytest
from cdrdays import duck, rows_for

from dropwizard.cdr import open_source
from dropwizard.cdr.demo import DEMO_DAY, GENERATED
from dropwizard.cdr.gatherers import register
from dropwizard.diagnosis.finding import Finding
from dropwizard.evidence import Status
from dropwizard.gather import GatherContext, Registry
from dropwizard.scope import Scope

NAMES = ("cdr.causes", "cdr.durations", "cdr.chains", "cdr.providers", "cdr.findings")


@pytest.fixture(scope="module")
def demo():
    src = open_source("demo")
    yield src
    src.close()


def gather(src: Any, scope: Scope | None = None) -> dict[str, Any]:
    reg = Registry()
    register(reg)
    ctx = GatherContext(scope=scope or Scope(), source=src)
    return {n: reg.run(n, ctx) for n in NAMES}


def test_registered_names() -> None:
    reg = Registry()
    register(reg)
    assert set(NAMES) <= set(reg.names())
    assert all(reg.doc(n) for n in NAMES)


def test_demo_facts(demo) -> None:
    ev = gather(demo)
    c = ev["cdr.causes"].facts
    assert c["calls"] == c["answered"] + c["failed"] and c["dropped"] > 0
    assert isinstance(c["top_cause"], int) and 0 <= c["top_cause_share"] <= 1
    assert 0 < c["normal_share"] < 1 and 0 <= c["switch_ended_share"] < 0.2
    d = ev["cdr.durations"].facts
    assert d["pattern"] in ("spike", "band") and ev["cdr.durations"].status == Status.WARN
    p = ev["cdr.providers"].facts
    assert p["top_gateway"] == "PRV-TeleCC-Direct" and p["burst"] is True and p["top_status"] == 503
    assert p["burst_start"].startswith(f"{DEMO_DAY}T14:") and p["burst_rate"] > p["baseline_rate"]
    assert p["pdd_p50_ms"] > 0
    ch = ev["cdr.chains"].facts
    assert ch["chains"] > 0 and ch["midcall_switches"] == 0 and ch["gateways"] == []
    f = ev["cdr.findings"]
    assert f.facts["top_id"] == f.facts["ids"][0] and f.facts["high"] >= 3
    parsed = [Finding.from_dict(d) for d in f.data["findings"]]
    assert {x.id for x in parsed} >= {"provider_rejection", "rtp_timeout", "session_timer_expiry"}
    for e in ev.values():
        assert e.kind == "cdr" and e.duration_ms >= 0 and e.summary


def test_session_timer_facts_and_gateway_scope() -> None:
    rows = rows_for(
        71,
        [
            {
                "type": "session_timer",
                "gateway": "PRV-Bharti-CLI",
                "params": {"session_expires": 900},
            }
        ],
    )
    src = duck(rows)
    ev = gather(src, Scope(kind="gateway", gateway="PRV-Bharti-CLI"))
    d = ev["cdr.durations"].facts
    assert d["pattern"] == "spike" and d["spike_kind"] == "session_timer"
    assert abs(d["timer_s"] - 868) <= 1 and d["implied_session_expires"] == d["timer_s"] + 32
    assert 0 < d["spike_share"] <= 1
    assert ev["cdr.causes"].facts["calls"] < len(rows)


def test_idle_timeout_cut_takes_the_idle_expiry_branch() -> None:
    rows = rows_for(
        72, [{"type": "session_timer", "gateway": "PRV-Bharti-CLI", "params": {"timer_s": 180}}]
    )
    ev = gather(duck(rows), Scope(kind="gateway", gateway="PRV-Bharti-CLI"))
    d = ev["cdr.durations"].facts
    assert d["pattern"] == "spike" and d["spike_kind"] == "other"
    assert d["spike_s"] == 180 and "implied_session_expires" not in d
    assert ev["cdr.findings"].facts["top_id"] == "firewall_udp_timeout"


def test_call_scope(demo) -> None:
    rows = rows_for(7, [])
    ix = {c: i for i, c in enumerate(GENERATED)}
    leg = next(r for r in rows if r[ix["endreason"]] == 486)
    from dropwizard.cdr.analytics import iso_ms

    src = duck(rows)
    scope = Scope.for_call(f"{leg[ix['callere164']]}@{iso_ms(leg[ix['starttime']])}")
    c = gather(src, scope)["cdr.causes"]
    assert c.facts["call_found"] is True and c.facts["call_cause"] == 17
    assert c.facts["call_sip_status"] == 486 and c.facts["call_holdtime"] == 0
    missing = gather(src, Scope.for_call("999999@2026-11-27T03:00"))["cdr.causes"]
    assert missing.facts["call_found"] is False and missing.status == Status.WARN


def test_no_source_is_skipped() -> None:
    ev = gather(None)
    assert all(e.status == Status.SKIPPED for e in ev.values())
