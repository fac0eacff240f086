"""cdr.causes in a call scope describes that call; in a window it names the problem calls' cause.

The reported calls are picked by querying the demo source (final attempts of their retry chains,
at the planted problems), never by numbers looked up by hand; each is then walked headlessly
through the call-drop flow on the CDR gatherers alone.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cdrdays import duck, renamed, rows_for

from dropwizard.cdr import open_source
from dropwizard.cdr.analytics import iso_ms
from dropwizard.cdr.gatherers import register
from dropwizard.cdr.sql import Stmt
from dropwizard.evidence import Status
from dropwizard.gather import GatherContext, Registry
from dropwizard.scope import Scope
from dropwizard.wizard.engine import Engine
from dropwizard.wizard.headless import walk
from dropwizard.wizard.loader import load_flow

FLOW = Path(__file__).resolve().parents[2] / "flows" / "call-drop.yaml"
FIELDS = (
    "callere164",
    "starttime",
    "holdtime",
    "enddirection",
    "endreason",
    "sipreasonheader",
    "callergatewayid",
    "calleegatewayid",
)


@pytest.fixture(scope="module")
def demo():
    src = open_source("demo")
    yield src
    src.close()


@pytest.fixture(scope="module")
def flow():
    return load_flow(FLOW)


def final_legs(src: Any, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """Final attempts of their chains (no later leg with the same flownofirst) matching `where`."""
    table = src.lookup_plan(None, None)[0].table
    rows = src.execute(
        Stmt(
            f"SELECT {', '.join(FIELDS)} FROM {table} c WHERE {where} AND NOT EXISTS "
            f"(SELECT 1 FROM {table} n WHERE n.flownofirst = c.flownofirst "
            "AND n.starttime > c.starttime) ORDER BY c.flowno",
            params,
        )
    )
    return [dict(zip(FIELDS, r, strict=True)) for r in rows]


def at_mode(legs: list[dict[str, Any]]) -> dict[str, Any]:
    """The first leg at the most common talk time of `legs` (the planted timer's value)."""
    mode = Counter(x["holdtime"] for x in legs).most_common(1)[0][0]
    return next(x for x in legs if x["holdtime"] == mode)


def gather(src: Any, scope: Scope, name: str = "cdr.causes"):
    reg = Registry()
    register(reg)
    return reg.run(name, GatherContext(scope=scope, source=src))


def walk_to(src: Any, scope: Scope, flow: Any) -> tuple[list[str], list[str]]:
    reg = Registry()
    register(reg)
    eng = Engine(flow, reg, GatherContext(scope=scope, source=src, flow=flow))
    walk(eng, {})
    return eng.visited(), [f.id for f in eng.findings]


def scope_of(leg: dict[str, Any]) -> Scope:
    return Scope.for_call(f"{leg['callere164']}@{iso_ms(leg['starttime'])}")


def planted_calls(src: Any) -> dict[str, dict[str, Any]]:
    zetta = final_legs(
        src,
        "c.calleegatewayid = %s AND c.holdtime > 0 AND c.enddirection = 2",
        ["PRV-Zetta-Route2"],
    )
    king = final_legs(
        src,
        "c.callergatewayid = %s AND c.holdtime > 0 AND c.enddirection = 2",
        ["CUST-Kingcall-NAT"],
    )
    window = gather(src, Scope(), "cdr.providers").facts
    assert window["top_gateway"] == "PRV-TeleCC-Direct" and window["burst"] is True
    lo, hi = (
        int(Scope.for_call(f"0@{window[k]}").at.timestamp() * 1000)  # type: ignore[union-attr]
        for k in ("burst_start", "burst_end")
    )
    rejected = final_legs(
        src,
        "c.calleegatewayid = %s AND c.endreason = 503 AND c.starttime >= %s AND c.starttime < %s",
        ["PRV-TeleCC-Direct", lo, hi],
    )
    normal = final_legs(
        src,
        "c.calleegatewayid = %s AND c.holdtime BETWEEN 60 AND 600 AND c.enddirection IN (0, 1)",
        ["PRV-Orion-Premium"],
    )
    assert zetta and king and rejected and normal
    return {
        "session_timer": at_mode(zetta),
        "rtp_timeout": at_mode(king),
        "provider_503": rejected[0],
        "normal": normal[len(normal) // 2],
    }


@pytest.fixture(scope="module")
def planted(demo) -> dict[str, dict[str, Any]]:
    return planted_calls(demo)


EXPECT = {
    "session_timer": ("session_timer_expiry", 102, "switch", "step2"),
    "rtp_timeout": ("rtp_timeout", 102, "switch", "step2"),
    "provider_503": ("provider_rejection", 41, None, "step3"),
    "normal": ("normal_clearing", 16, None, "f_normal_clearing"),
}


@pytest.mark.parametrize("kind", sorted(EXPECT))
def test_call_scope_describes_the_reported_call(demo, flow, planted, kind: str) -> None:
    leg = planted[kind]
    finding, cause, direction, after_step1 = EXPECT[kind]
    ev = gather(demo, scope_of(leg))
    f = ev.facts
    assert f["call_found"] is True
    assert f["call_holdtime"] == leg["holdtime"]
    assert f["call_cause"] == cause and f["top_cause"] == cause
    assert f["call_direction"] == (direction or f["call_direction"])
    if kind == "provider_503":
        assert f["call_sip_status"] == 503 and f["top_cause_answered_share"] == 0
        assert f["call_direction"] != "caller"
    else:
        assert f["top_cause_share"] == 1.0
        assert f["top_cause_answered_share"] == 1.0
    if kind == "normal":
        assert f["call_direction"] in ("caller", "callee") and ev.status == Status.OK
        assert f["normal_share"] == 1.0 and f["switch_ended_share"] == 0.0
    else:
        assert ev.status == Status.WARN
    assert ev.data["call"]["call"]["start"] == iso_ms(leg["starttime"])
    visited, findings = walk_to(demo, scope_of(leg), flow)
    assert visited[:3] == ["start", "step1", after_step1], visited
    assert findings and findings[0] == finding, (visited, findings)


def test_reported_call_is_the_final_attempt_of_its_chain(demo) -> None:
    """A call rejected first and answered on a retry is reported by its answered, final leg."""
    table = demo.lookup_plan(None, None)[0].table
    row = demo.execute(
        Stmt(
            f"SELECT f.callere164, f.starttime, l.holdtime, l.calleegatewayid FROM {table} f "
            f"JOIN {table} l ON l.flownofirst = f.flowno AND l.flowno <> f.flowno "
            "WHERE f.flownofirst = f.flowno AND f.endreason = 503 AND l.holdtime > 0 "
            "AND l.enddirection IN (0, 1) ORDER BY f.flowno LIMIT 1"
        )
    )[0]
    ev = gather(demo, Scope.for_call(f"{row[0]}@{iso_ms(row[1])}"))
    call = ev.data["call"]
    assert len(call["chain"]) >= 2 and call["chain"][0]["sip_status"] == 503
    assert call["call"] == call["chain"][-1] and call["call"]["callee_gateway"] == row[3]
    assert ev.facts["call_holdtime"] == row[2] and ev.facts["call_cause"] == 16
    assert ev.facts["top_cause"] == 16 and ev.facts["top_cause_share"] < 1.0


@pytest.mark.parametrize("seed", [101, 202, 303])
def test_healthy_window_has_no_top_problem(seed: int) -> None:
    """Ordinary busy, no-answer, cancel and 503 failures at baseline rates are not the problem."""
    src = duck(rows_for(seed, [], calls=5000, rename=renamed(f"h{seed}")))
    f = gather(src, Scope()).facts
    assert f["top_cause"] == 16 and f["top_cause_share"] == f["normal_share"]
    assert f["failed"] > 0.3 * f["calls"]


def test_window_top_cause_follows_the_drops_not_failed_setups() -> None:
    """A session timer on one provider: the drops' 102 leads although failed setups (17, 18,
    41) far outnumber them."""
    names = renamed("w")
    gw = "PRV-Orion-Premium"
    rows = rows_for(
        55,
        [{"type": "session_timer", "gateway": gw, "params": {"timer_s": 420}}],
        calls=8000,
        rename=names,
        day=date(2026, 11, 27),
    )
    ev = gather(duck(rows), Scope())
    f = ev.facts
    problem = {p["cause"]: p for p in ev.data["problem_calls"]}
    assert f["top_cause"] == 102 and f["top_cause_answered_share"] == 1.0
    assert f["top_cause_share"] > 0.5
    assert problem[102]["calls"] <= f["dropped"]
    failed_setups = sum(c["calls"] for c in ev.data["causes"] if c["cause"] in ("17", "18", "41"))
    assert failed_setups > 5 * f["dropped"]


def test_window_counts_only_the_excess_of_a_rejection_burst() -> None:
    names = renamed("b")
    gw = "PRV-Bharti-CLI"
    rows = rows_for(
        66,
        [
            {
                "type": "provider_503_burst",
                "gateway": gw,
                "params": {"rate": 0.8},
                "window": ("09:00", "11:30"),
            }
        ],
        calls=8000,
        rename=names,
    )
    ev = gather(duck(rows), Scope())
    f = ev.facts
    problem = {p["cause"]: p for p in ev.data["problem_calls"]}
    p41 = problem[41]
    assert f["top_cause"] == 41 and f["top_cause_answered_share"] == 0.0
    ordinary_41 = next(c["calls"] for c in ev.data["causes"] if c["cause"] == "41")
    assert 0 < p41["calls"] < ordinary_41


def test_gateway_scope_keeps_the_peer_comparison() -> None:
    """A provider whose switch-cancelled 487s are chronic (no burst) is only anomalous next to
    its peers: its gateway scope still holds that finding and names it the problem."""
    names = renamed("p")
    rows = rows_for(
        91,
        [
            {
                "type": "provider_487",
                "gateway": "PRV-Vox-Backup",
                "params": {"pdd_timeout_s": 6},
                "share": 0.3,
            }
        ],
        calls=6000,
        rename=names,
    )
    src = duck(rows)
    gw = names["PRV-Vox-Backup"]
    scope = Scope(kind="gateway", gateway=gw)
    found = gather(src, scope, "cdr.findings")
    assert found.facts["top_id"] == "provider_rejection" and found.facts["high"] >= 1
    assert found.data["findings"][0]["gateway"] == gw
    assert "normal_clearing" not in found.facts["ids"]
    c = gather(src, scope).facts
    assert c["top_cause"] == 102 and c["top_cause_answered_share"] < 0.1
    p = gather(src, scope, "cdr.providers").facts
    assert p["top_gateway"] == gw and p["top_status"] == 487


def test_gateway_scope_names_the_scoped_gateway() -> None:
    """Drops planted on a customer gateway are reported on that gateway in its own scope, not on
    the provider that happens to carry most of its calls."""
    names = renamed("c")
    rows = rows_for(
        202,
        [
            {
                "type": "rtp_timeout",
                "gateway": "CUST-Sunrise-Retail",
                "params": {"timeout_s": 30, "proxied": False},
                "share": 0.2,
            }
        ],
        calls=5000,
        rename=names,
    )
    gw = names["CUST-Sunrise-Retail"]
    ev = gather(duck(rows), Scope(kind="gateway", gateway=gw), "cdr.durations")
    rtp = [f for f in ev.data["findings"] if f["id"] == "rtp_timeout"]
    assert rtp and rtp[0]["gateway"] == gw and rtp[0]["side"] == "caller"
    assert all(f["gateway"] == gw for f in ev.data["findings"])
    assert ev.facts["pattern"] == "band" and ev.facts["proxied_share"] < 0.5
