"""The call-drop flow's routes decide from evidence: each scenario feeds gatherer facts (the names
of docs/facts.md) through a Registry and accepts only the engine's proposals, so every `when` on
the way must decide, and the walk must reach the diagnosis the facts describe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dropwizard.evidence import Evidence, Status
from dropwizard.gather import GatherContext, Registry
from dropwizard.scope import Scope
from dropwizard.wizard.engine import Engine
from dropwizard.wizard.loader import load_flow

FLOW_PATH = Path(__file__).resolve().parents[2] / "flows" / "call-drop.yaml"

HEALTHY_HOST: dict[str, dict[str, Any]] = {
    "probe.services": {"all_running": True, "down": [], "restarts": 0},
    "probe.database": {"reachable": True, "latency_ms": 2.0},
    "probe.resources": {"exhausted": False, "load_per_core": 0.3},
    "probe.sip_flood": {"flood": False, "pps": 12},
    "probe.sip_alg": {"loaded": False},
}


@dataclass
class Scenario:
    name: str
    facts: dict[str, dict[str, Any]]
    path: list[str]
    """Node ids from start to the leaf, as the proposals should take them."""
    scope: Scope = field(default_factory=lambda: Scope(kind="window"))
    status: dict[str, str] = field(default_factory=dict)


def registry_for(facts: Mapping[str, Mapping[str, Any]], status: Mapping[str, str]) -> Registry:
    """Gatherers that report the scenario's facts; names it lacks stay unregistered (error)."""
    reg = Registry()
    for name, values in facts.items():

        def gather(ctx: GatherContext, params: Mapping[str, Any], name=name, values=values):
            st = Status(status.get(name, "ok"))
            return Evidence(name, "scenario", name, st, f"{name}: scenario facts", dict(values))

        reg.add(name, gather)
    return reg


CALL = Scope.for_call("8613800138000@2026-11-28T14:05")

SCENARIOS = [
    Scenario(
        "healthy switch: user hangups",
        {
            "cdr.causes": {"top_cause": 16, "top_cause_share": 0.9, "switch_ended_share": 0.01},
            "cdr.findings": {"ids": []},
        },
        ["start", "step1", "f_normal_clearing", "end"],
    ),
    Scenario(
        "session timer refresh lost where conntrack forgets the idle signalling",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.8,
                "top_cause_answered_share": 1.0,
            },
            "cdr.durations": {
                "pattern": "spike",
                "spike_kind": "session_timer",
                "spike_s": 1768,
                "spike_share": 0.7,
                "implied_session_expires": 1800,
            },
            "cdr.chains": {"midcall_switches": 0},
            "probe.conntrack": {"udp_stream_timeout": 120, "udp_timeout": 30, "meets_guide": False},
            "probe.firewall": {"sip_open": False},
        },
        ["start", "step1", "step2", "s2_interval", "s2_session", "f_session_network"],
        scope=Scope(kind="gateway", gateway="carrierA"),
    ),
    Scenario(
        "session timer drops hidden behind ordinary failed setups (top cause 41)",
        {
            "cdr.causes": {
                "top_cause": 41,
                "top_cause_share": 0.08,
                "top_cause_answered_share": 0.0,
            },
            "cdr.durations": {
                "drops": 55,
                "pattern": "spike",
                "spike_kind": "session_timer",
                "spike_s": 568,
                "implied_session_expires": 600,
            },
            "cdr.chains": {"midcall_switches": 0},
            "capture.analysis": {"refresh_unanswered": 2},
        },
        ["start", "step1", "step2", "s2_interval", "s2_session", "f_session_network"],
    ),
    Scenario(
        "ACK timeout at 32 s",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.7,
                "top_cause_answered_share": 0.95,
            },
            "cdr.durations": {"pattern": "spike", "spike_kind": "ack_timeout", "spike_s": 32},
        },
        ["start", "step1", "step2", "s2_interval", "f_ack_timeout"],
    ),
    Scenario(
        "max call duration recorded as normal clearing by the switch",
        {
            "cdr.causes": {"top_cause": 16, "switch_ended_share": 0.3},
            "cdr.findings": {"ids": ["max_call_duration"]},
            "cdr.durations": {
                "pattern": "spike",
                "spike_kind": "max_call_duration",
                "spike_s": 7200,
                "spike_share": 0.4,
            },
        },
        ["start", "step1", "s1_cause16_switch", "f_max_call_duration"],
    ),
    Scenario(
        "a few long calls cut at 3600 s behind ordinary failed setups (a low finding)",
        {
            "cdr.causes": {
                "top_cause": 41,
                "top_cause_share": 0.07,
                "top_cause_answered_share": 0.0,
            },
            "cdr.durations": {"drops": 70, "pattern": "random"},
            "cdr.findings": {
                "ids": ["max_call_duration", "normal_clearing"],
                "high": 0,
                "medium": 0,
            },
        },
        ["start", "step1", "f_max_call_duration"],
    ),
    Scenario(
        "RTP timeout behind NAT without media proxy",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "band", "band_start_s": 31, "proxied_share": 0.0},
        },
        ["start", "step1", "step2", "s2_silence", "f_rtp_noproxy"],
        scope=Scope(kind="gateway", gateway="customerX"),
    ),
    Scenario(
        "RTP timeout on proxied media",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "band", "band_start_s": 30, "proxied_share": 1.0},
        },
        ["start", "step1", "step2", "s2_silence", "f_rtp_timeout"],
    ),
    Scenario(
        "endpoint lost its network: both RTP directions stop in the capture",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "band", "band_start_s": 40, "proxied_share": 1.0},
            "capture.analysis": {"one_way_calls": 0, "both_stopped_calls": 3},
        },
        ["start", "step1", "step2", "s2_silence", "f_rtp_endpoint"],
    ),
    Scenario(
        "firewall UDP timeout: drops from 2 minutes, conntrack on kernel defaults",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "band", "band_start_s": 125, "proxied_share": 1.0},
            "probe.conntrack": {"udp_stream_timeout": 120, "udp_timeout": 30, "meets_guide": False},
        },
        ["start", "step1", "step2", "s2_silence", "s2_fw_test", "f_firewall_udp_timeout"],
    ),
    Scenario(
        "conntrack stream expiry at a fixed 125 s",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "spike", "spike_kind": "other", "spike_s": 125},
            "probe.conntrack": {"udp_stream_timeout": 120, "udp_timeout": 30, "meets_guide": False},
        },
        [
            "start",
            "step1",
            "step2",
            "s2_interval",
            "s2_idle_expiry",
            "s2_fw_test",
            "f_firewall_udp_timeout",
        ],
    ),
    Scenario(
        "NAT keepalive lost: drops from 90 s, the host's conntrack is fine",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "band", "band_start_s": 90, "proxied_share": 1.0},
            "probe.conntrack": {
                "udp_stream_timeout": 3600,
                "udp_timeout": 300,
                "meets_guide": True,
            },
        },
        ["start", "step1", "step2", "s2_silence", "s2_fw_test", "s2_nat_ask", "f_nat_keepalive"],
        scope=Scope(kind="gateway", gateway="residential"),
    ),
    Scenario(
        "RTP timeout on calls whose media never flowed: a spike at 45 s",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {
                "pattern": "spike",
                "spike_kind": "rtp_timeout",
                "spike_s": 45,
                "proxied_share": 0.9,
            },
        },
        ["start", "step1", "step2", "s2_interval", "s2_silence", "f_rtp_timeout"],
    ),
    Scenario(
        "consumer NAT binding expiring at a fixed 60 s, conntrack fine",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "spike", "spike_kind": "other", "spike_s": 60},
            "probe.conntrack": {
                "udp_stream_timeout": 3600,
                "udp_timeout": 300,
                "meets_guide": True,
            },
        },
        [
            "start",
            "step1",
            "step2",
            "s2_interval",
            "s2_idle_expiry",
            "s2_nat_ask",
            "f_nat_keepalive",
        ],
    ),
    Scenario(
        "mid-call failover under cause 102",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "random"},
            "cdr.chains": {"midcall_switches": 4},
        },
        ["start", "step1", "step2", "s2_random", "f_failover_switch"],
    ),
    Scenario(
        "failover behind cause 41 (the guide's mislabelled row)",
        {
            "cdr.causes": {
                "top_cause": 41,
                "top_cause_share": 0.5,
                "top_cause_answered_share": 0.2,
            },
            "cdr.providers": {"rejected_share": 0.1, "top_status": 503},
            "cdr.chains": {"midcall_switches": 3},
        },
        ["start", "step1", "step3", "f_failover_switch"],
    ),
    Scenario(
        "provider 503 burst",
        {
            "cdr.causes": {
                "top_cause": 41,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.0,
            },
            "cdr.providers": {
                "rejected_share": 0.35,
                "top_status": 503,
                "rate_503": 0.3,
                "top_gateway": "carrierB",
            },
            "cdr.chains": {"midcall_switches": 0},
        },
        ["start", "step1", "step3", "f_provider_503"],
    ),
    Scenario(
        "487s cancelled by VOS3000's PDD timeout (one reported call)",
        {
            "cdr.causes": {
                "call_found": True,
                "top_cause": 127,
                "call_sip_status": 487,
                "call_holdtime": 0,
            },
            "cdr.providers": {
                "rejected_share": 0.2,
                "top_status": 487,
                "rate_487": 0.2,
                "top_gateway": "carrierE",
                "cancel_by_caller_share": 0.1,
                "pdd_p50_ms": 9000,
            },
            "cdr.chains": {"midcall_switches": 0},
        },
        ["start", "step1", "step3", "s3_487", "f_provider_487"],
        scope=CALL,
    ),
    Scenario(
        "487s from callers giving up",
        {
            "cdr.causes": {"call_found": True, "top_cause": 127, "call_sip_status": 487},
            "cdr.providers": {
                "rejected_share": 0.2,
                "top_status": 487,
                "rate_487": 0.2,
                "top_gateway": "carrierE",
                "cancel_by_caller_share": 0.8,
            },
            "cdr.chains": {"midcall_switches": 0},
        },
        ["start", "step1", "step3", "s3_487", "f_caller_abandon", "end"],
        scope=CALL,
    ),
    Scenario(
        "unanswered cause 102: a setup timeout (RFC 3398 408 -> 102)",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.5,
                "top_cause_answered_share": 0.0,
            },
            "cdr.providers": {"rejected_share": 0.4, "top_status": 408, "top_gateway": "carrierD"},
            "cdr.chains": {"midcall_switches": 0},
        },
        ["start", "step1", "step3", "f_provider_timeout"],
    ),
    Scenario(
        "cause 18 that were SIP 408 timeouts",
        {
            "cdr.causes": {"top_cause": 18, "top_cause_share": 0.5},
            "cdr.providers": {"rejected_share": 0.3, "top_status": 408, "top_gateway": "carrierC"},
            "cdr.chains": {"midcall_switches": 0},
        },
        ["start", "step1", "s1_user_side", "step3", "f_provider_timeout"],
    ),
    Scenario(
        "callee busy (17 / 486)",
        {
            "cdr.causes": {"top_cause": 17, "top_cause_share": 0.5},
            "cdr.providers": {"rejected_share": 0.5, "top_status": 486},
        },
        ["start", "step1", "s1_user_side", "f_user_side", "end"],
    ),
    Scenario(
        "no timer, no provider, healthy host: the guide's arrows down to RESOLVED",
        {
            "cdr.causes": {
                "top_cause": 102,
                "top_cause_share": 0.6,
                "top_cause_answered_share": 0.9,
            },
            "cdr.durations": {"pattern": "none"},
            "cdr.chains": {"midcall_switches": 0},
            "cdr.providers": {"rejected_share": 0.0},
            **HEALTHY_HOST,
        },
        ["start", "step1", "step2", "step3", "step4", "end"],
    ),
    Scenario(
        "EMP service down",
        {
            "cdr.causes": {"top_cause": 31},
            **HEALTHY_HOST,
            "probe.services": {"all_running": False, "down": ["empd"]},
        },
        ["start", "step1", "step4", "f_service_down"],
        status={"probe.services": "fail"},
    ),
    Scenario(
        "MySQL unreachable",
        {
            "cdr.causes": {"top_cause": 31},
            **HEALTHY_HOST,
            "probe.database": {"reachable": False},
        },
        ["start", "step1", "step4", "f_database_unreachable"],
        status={"probe.database": "fail"},
    ),
    Scenario(
        "resources exhausted",
        {
            "cdr.causes": {"top_cause": 31},
            **HEALTHY_HOST,
            "probe.resources": {
                "exhausted": True,
                "load_per_core": 3.5,
                "mem_available_share": 0.02,
                "disk_free_share": 0.4,
            },
        },
        ["start", "step1", "step4", "f_resource_exhaustion"],
        status={"probe.resources": "warn"},
    ),
    Scenario(
        "RTP ports exhausted",
        {
            "cdr.causes": {"top_cause": 31},
            **HEALTHY_HOST,
            "probe.rtp_ports": {"exhausted": True, "usage_share": 0.99},
        },
        ["start", "step1", "step4", "f_rtp_port_exhaustion"],
        status={"probe.rtp_ports": "fail"},
    ),
    Scenario(
        "SIP flood",
        {
            "cdr.causes": {"top_cause": 31},
            **HEALTHY_HOST,
            "probe.sip_flood": {"flood": True, "pps": 5000, "top_source": "198.51.100.7"},
        },
        ["start", "step1", "step4", "f_sip_flood"],
        status={"probe.sip_flood": "fail"},
    ),
    Scenario(
        "SIP ALG helper loaded",
        {"cdr.causes": {"top_cause": 31}, **HEALTHY_HOST, "probe.sip_alg": {"loaded": True}},
        ["start", "step1", "step4", "f_sip_alg"],
        status={"probe.sip_alg": "warn"},
    ),
    Scenario(
        "other cause, healthy host: nothing found",
        {"cdr.causes": {"top_cause": 31}, **HEALTHY_HOST},
        ["start", "step1", "step4", "end"],
    ),
]


@pytest.fixture(scope="module")
def flow():
    return load_flow(FLOW_PATH)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_proposals_walk_to_the_diagnosis(flow, sc: Scenario) -> None:
    ctx = GatherContext(scope=sc.scope, flow=flow)
    eng = Engine(flow, registry_for(sc.facts, sc.status), ctx)
    eng.start()
    while not eng.finished:
        here = eng.current.id
        assert len(eng.path) < len(sc.path), f"walk went past the expected leaf at {here}"
        eng.gather()
        prop = eng.propose()
        assert prop.option is not None, f"{here}: no proposal ({prop.reason})"
        assert "unknown" not in prop.reason, f"{here}: {prop.reason}"
        eng.choose(prop.option, by="proposal")
    assert eng.visited() == sc.path
    leaf = flow.node(sc.path[-1])
    findings = [flow.node(n).finding for n in sc.path if flow.node(n).type == "finding"]
    assert [f.id for f in eng.findings] == findings
    if leaf.type == "finding":
        assert eng.findings[-1].evidence, "the proposals' reasons become the finding's evidence"


def test_short_conntrack_alone_does_not_blame_the_path(flow) -> None:
    """A stream timeout below SE/2 is every default kernel; an expired entry loses the refresh
    only where the firewall refuses new SIP packets."""
    facts = {
        "cdr.causes": {"top_cause": 102, "top_cause_share": 0.8, "top_cause_answered_share": 1.0},
        "cdr.durations": {
            "pattern": "spike",
            "spike_kind": "session_timer",
            "spike_s": 1768,
            "implied_session_expires": 1800,
        },
        "cdr.chains": {"midcall_switches": 0},
        "probe.conntrack": {"udp_stream_timeout": 120, "udp_timeout": 30, "meets_guide": False},
        "probe.firewall": {"sip_open": True},
        "capture.analysis": {"refresh_unanswered": 0},
    }
    eng = Engine(flow, registry_for(facts, {}), GatherContext(scope=Scope(kind="window")))
    eng.start()
    eng.choose("window")
    while eng.current.id != "s2_session":
        eng.gather()
        eng.choose(eng.propose().option or "")
    eng.gather()
    assert eng.propose().option != "signalling_idles_out"


def test_missing_evidence_asks_the_operator(flow) -> None:
    eng = Engine(flow, Registry(), GatherContext(scope=Scope(kind="window"), flow=flow))
    eng.start()
    assert eng.propose().option == "window"
    eng.choose("window")
    eng.gather()
    prop = eng.propose()
    assert prop.option is None
    assert "cdr.causes.top_cause" in prop.undecided


def test_a_probe_that_could_not_run_does_not_pass_for_healthy(flow) -> None:
    facts = {"cdr.causes": {"top_cause": 31}, **HEALTHY_HOST}
    del facts["probe.sip_alg"]
    eng = Engine(flow, registry_for(facts, {}), GatherContext(scope=Scope(kind="window")))
    eng.start()
    eng.choose("window")
    eng.gather()
    eng.choose(eng.propose().option or "")
    assert eng.current.id == "step4"
    eng.gather()
    prop = eng.propose()
    assert prop.option is None
    assert "probe.sip_alg.loaded" in prop.undecided


MISSING_CALL_CAUSES = {"calls": 28896, "answered": 15558, "failed": 13338, "call_found": False}
"""What cdr.causes reports for a call scope whose number has no CDR: the context totals only."""
LOUD_WINDOW = {
    "cdr.durations": {"pattern": "none", "drops": 190},
    "cdr.findings": {
        "ids": ["provider_rejection", "rtp_timeout", "max_call_duration"],
        "high": 2,
        "medium": 0,
        "top_id": "provider_rejection",
    },
    "cdr.providers": {
        "top_gateway": "PRV-TeleCC-Direct",
        "rejected_share": 0.13,
        "top_status": 503,
        "burst": True,
    },
}


@pytest.mark.parametrize(
    "causes",
    [
        MISSING_CALL_CAUSES,
        {**MISSING_CALL_CAUSES, "top_cause": 41, "top_cause_share": 0.68},
        {**MISSING_CALL_CAUSES, "top_cause": 16, "top_cause_share": 0.9},
    ],
    ids=["call facts", "window cause 41 alongside", "window cause 16 alongside"],
)
def test_a_call_missing_from_the_cdrs_stops_the_walk(flow, causes: dict[str, Any]) -> None:
    eng = Engine(
        flow, registry_for({"cdr.causes": causes, **LOUD_WINDOW}, {}), GatherContext(scope=CALL)
    )
    eng.start()
    while not eng.finished:
        eng.gather()
        prop = eng.propose()
        assert prop.option is not None, f"{eng.current.id}: {prop.reason}"
        eng.choose(prop.option, by="proposal")
    assert eng.visited() == ["start", "step1", "call_not_found"]
    assert eng.findings == []
    reason = eng.path[-1].proposal.reason
    assert "8613800138000" in reason and "2026-11-28T14:05:00Z" in reason
    assert "PRV-TeleCC-Direct" not in reason


def test_window_and_found_call_walks_never_see_a_missing_call(flow) -> None:
    healthy = {"top_cause": 16, "top_cause_share": 0.9, "switch_ended_share": 0.01}
    for scope, causes in (
        (Scope(kind="window"), healthy),
        (Scope(kind="gateway", gateway="carrierA"), healthy),
        (CALL, {**healthy, "call_found": True, "top_cause_share": 1.0}),
    ):
        facts = {"cdr.causes": causes, "cdr.findings": {"ids": []}}
        eng = Engine(flow, registry_for(facts, {}), GatherContext(scope=scope))
        eng.start()
        eng.choose(eng.propose().option or "")
        eng.gather()
        assert eng.propose().option == "cause16", scope.kind


def test_headless_run_of_a_missing_call_blames_no_gateway(tmp_path, capsys) -> None:
    from dropwizard.cli import main

    transcript = tmp_path / "missing.jsonl"
    code = main(
        [
            "run",
            "--source",
            "demo",
            "--call",
            "+86 131 693 299@2026-11-27T07:04",
            "--transcript",
            str(transcript),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "step1 -> call_not_found" in out and "call_not_found  (end)" in out
    assert "no finding" in out and "provider_rejection" not in out
    events = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert not [e for e in events if e["type"] == "finding"]
    assert [e["node"] for e in events if e["type"] == "end"] == ["call_not_found"]


def test_headless_run_of_the_reviewed_call_written_with_a_plus(tmp_path, capsys) -> None:
    """The demo CDR holds 86131693292 (no '+'): its 1768 s session-timer drop on
    PRV-Zetta-Route2, not the day's provider burst elsewhere."""
    from dropwizard.cli import main

    code = main(
        [
            "run",
            "--source",
            "demo",
            "--call",
            "+86131693292@2026-11-27T07:04",
            "--transcript",
            str(tmp_path / "found.jsonl"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "step1 -> cause102" in out and "session_timer_expiry" in out
    assert "provider_rejection" not in out and "PRV-TeleCC-Direct" not in out
