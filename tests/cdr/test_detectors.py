"""Detectors on planted faults with non-default values, renamed gateways, several seeds."""

from __future__ import annotations

from typing import Any

import pytest
from cdrdays import duck, renamed, rows_for

from dropwizard.cdr import analytics
from dropwizard.cdr.demo import GENERATED, gateway_names
from dropwizard.diagnosis.detectors import (
    _classify_spike,
    detect,
    idle_timeout_for,
    session_expires_for,
)
from dropwizard.diagnosis.finding import Finding
from dropwizard.diagnosis.histogram import Hist, find_spikes

CUST, PROV = gateway_names()


def findings(
    seed: int, faults: list[dict[str, Any]], prefix: str = "gw"
) -> tuple[list[Finding], dict[str, str]]:
    names = renamed(prefix)
    rows = rows_for(seed, faults, rename=names)
    src = duck(rows)
    prof = analytics.collect(src, None, None)
    return detect(prof, analytics.summarise(prof)), names


def serious(fs: list[Finding]) -> list[Finding]:
    return [f for f in fs if f.severity.value in ("high", "medium")]


@pytest.mark.parametrize("seed", [101, 202, 303, 404, 505])
def test_healthy_day_has_no_high_or_medium(seed: int) -> None:
    fs, _ = findings(seed, [])
    assert serious(fs) == [], [f.title for f in serious(fs)]


@pytest.mark.parametrize(
    ("seed", "gw", "params", "timer"),
    [
        (11, 2, {"session_expires": 1200}, 1168),
        (12, 0, {"timer_s": 725}, 725),
        (13, 3, {"session_expires": 600}, 568),
    ],
)
def test_session_timer_any_value(seed: int, gw: int, params: dict, timer: int) -> None:
    fs, names = findings(
        seed, [{"type": "session_timer", "gateway": PROV[gw], "params": params}], prefix=f"s{seed}"
    )
    f = next(f for f in serious(fs) if f.id == "session_timer_expiry")
    assert f.gateway == names[PROV[gw]] and f.side == "callee"
    assert abs(f.data["timer_s"] - timer) <= 1
    assert f.data["implied_session_expires"] == session_expires_for(f.data["timer_s"])[0]
    assert f.calls > 0 and 0 < f.data["share"] < 1
    assert any(str(f.data["timer_s"]) in e for e in f.evidence)


def test_session_expires_arithmetic() -> None:
    assert session_expires_for(1768) == (1800, "rfc4028")
    assert session_expires_for(60) == (90, "rfc4028")
    assert session_expires_for(932) == (1800, "refresh_failed")
    assert session_expires_for(900) == (1800, "refresh_rejected")
    assert session_expires_for(1800) == (1800, "no_margin")
    assert session_expires_for(1190) == (1200, "draft11")
    assert session_expires_for(1183) == (1215, "rfc4028")


def test_idle_timeouts_only_where_no_session_expires_fits() -> None:
    assert [idle_timeout_for(t) for t in (119, 120, 121, 180, 301)] == [120, 120, 120, 180, 300]
    assert [idle_timeout_for(t) for t in (60, 88, 148, 268, 1768, 150)] == [None] * 6


def timer_finding(seed: int, gw: str, timer_s: int, prefix: str) -> tuple[Finding, list[Finding]]:
    fs, names = findings(
        seed, [{"type": "session_timer", "gateway": gw, "params": {"timer_s": timer_s}}], prefix
    )
    hits = [f for f in serious(fs) if f.gateway == names[gw]]
    assert hits, [f.title for f in fs]
    return hits[0], fs


@pytest.mark.parametrize(
    ("seed", "gw", "timer_s", "fid"),
    [
        (61, PROV[1], 120, "firewall_udp_timeout"),
        (62, PROV[3], 180, "firewall_udp_timeout"),
        (63, CUST[2], 180, "nat_keepalive_loss"),
        (64, CUST[0], 120, "nat_keepalive_loss"),
    ],
)
def test_cut_at_an_idle_timeout_is_no_session_timer(
    seed: int, gw: str, timer_s: int, fid: str
) -> None:
    f, fs = timer_finding(seed, gw, timer_s, f"i{seed}")
    assert f.id == fid and abs(f.data["spike_s"] - timer_s) <= 1
    assert f.data["idle_timeout_s"] == timer_s
    assert not [x for x in serious(fs) if x.id == "session_timer_expiry"]
    assert any("no RFC 4028 Session-Expires" in e for e in f.evidence)


@pytest.mark.parametrize(("seed", "timer_s"), [(65, 10), (66, 30)])
def test_early_cuts_are_media_that_never_flowed(seed: int, timer_s: int) -> None:
    f, fs = timer_finding(seed, PROV[2], timer_s, f"e{seed}")
    assert f.id == "rtp_timeout", f.title
    assert not [x for x in serious(fs) if x.id in ("session_timer_expiry", "ack_timeout")]


@pytest.mark.parametrize(
    ("bins", "kind", "value"),
    [
        ({1768: 4, 1769: 5}, "session_timer", 1768),
        ({1768: 9, 1769: 2}, "session_timer", 1768),
        ({30: 10, 31: 12}, "rtp_timeout", 30),
        ({30: 1, 31: 4}, "rtp_timeout", 30),
        ({32: 10, 33: 7}, "ack_timeout", 32),
        ({32: 5, 33: 9}, "ack_timeout", 32),
        ({31: 1, 32: 10}, "ack_timeout", 32),
    ],
)
def test_a_cut_is_read_at_its_first_second(bins: dict[int, int], kind: str, value: int) -> None:
    """holdtime is whole seconds: a cut at T lands on T or T+1, whichever bin is taller."""
    counts = {**bins, **{d: 1 for d in range(200, 4000, 97)}}
    h = Hist(counts)
    spike = next(s for s in find_spikes(h) if abs(s.at - value) <= 1)
    assert _classify_spike(h, spike, Hist({d: 2 * c for d, c in bins.items()})) == (kind, value)


@pytest.mark.parametrize(
    ("seed", "gw", "timer_s"), [(69, CUST[4], 70), (70, PROV[2], 65), (71, CUST[1], 100)]
)
def test_odd_early_cut_is_an_rtp_timeout_not_an_odd_timer(seed: int, gw: str, timer_s: int) -> None:
    f, fs = timer_finding(seed, gw, timer_s, f"o{seed}")
    assert f.id == "rtp_timeout" and abs(f.data["rtp_timeout_s"] - timer_s) <= 1, f.title
    assert not [x for x in serious(fs) if x.id == "session_timer_expiry"]


def test_cut_at_half_of_vos_default_reads_as_rejected_refresh() -> None:
    f, _ = timer_finding(67, PROV[0], 900, "h")
    assert f.id == "session_timer_expiry"
    assert (f.data["implied_session_expires"], f.data["rule"]) == (1800, "refresh_rejected")
    assert any("answered 408 or 481" in e for e in f.evidence)


def test_provider_504_counts_as_a_timeout_not_as_503() -> None:
    names = renamed("t")
    fault = {
        "type": "provider_503_burst",
        "gateway": PROV[1],
        "params": {"rate": 0.5},
        "window": ("13:00", "14:30"),
    }
    rows = rows_for(68, [fault], rename=names)
    status = GENERATED.index("endreason")
    rows = [(*r[:status], 504, *r[status + 1 :]) if r[status] == 503 else r for r in rows]
    prof = analytics.collect(duck(rows), None, None)
    fs = [
        f for f in serious(detect(prof, analytics.summarise(prof))) if f.gateway == names[PROV[1]]
    ]
    f = next(f for f in fs if f.id == "provider_rejection")
    assert f.data["status"] == "408"
    assert not [x for x in fs if x.id == "provider_rejection" and x.data["status"] == "503"]


def test_ack_timeout_on_customer_gateway() -> None:
    fs, names = findings(21, [{"type": "ack_timeout", "gateway": CUST[3], "share": 0.07}], "a")
    f = next(f for f in serious(fs) if f.id == "ack_timeout")
    assert f.gateway == names[CUST[3]] and 31 <= f.data["timer_s"] <= 33


def test_max_call_duration_round_value() -> None:
    fs, names = findings(
        22, [{"type": "max_call_duration", "gateway": PROV[1], "params": {"value": 1500}}], "m"
    )
    f = next(f for f in serious(fs) if f.id == "max_call_duration")
    assert f.data["value_s"] == 1500 and f.gateway == names[PROV[1]]


@pytest.mark.parametrize(("seed", "timeout", "proxied"), [(31, 20, True), (32, 45, False)])
def test_rtp_timeout_band_from_any_onset(seed: int, timeout: int, proxied: bool) -> None:
    fault = {
        "type": "rtp_timeout",
        "gateway": CUST[0],
        "share": 0.08,
        "params": {"timeout_s": timeout, "proxied": proxied},
    }
    fs, names = findings(seed, [fault], f"r{seed}")
    f = next(f for f in serious(fs) if f.id == "rtp_timeout")
    assert abs(f.data["band_start_s"] - timeout) <= 2
    assert f.gateway == names[CUST[0]]
    assert (f.data["proxied_share"] > 0.5) is proxied


def test_provider_503_burst_window() -> None:
    fault = {
        "type": "provider_503_burst",
        "gateway": PROV[2],
        "params": {"rate": 0.5},
        "window": ("09:30", "10:20"),
    }
    fs, names = findings(41, [fault], "p")
    f = next(f for f in serious(fs) if f.id == "provider_rejection")
    assert f.gateway == names[PROV[2]] and f.data["status"] == "503"
    start, end = f.data["window"]["start"], f.data["window"]["end"]
    assert "T09:" in start and start >= "2026-11-27T09:20" and start <= "2026-11-27T09:40"
    assert "2026-11-27T10:10" <= end <= "2026-11-27T10:35"
    assert f.data["burst_rate"] > f.data["baseline_rate"] + 0.2


@pytest.mark.parametrize(
    ("seed", "gw", "window", "rate"),
    [
        (81, PROV[3], ("03:08", "04:56"), 0.7),
        (82, PROV[4], ("02:10", "04:40"), 0.6),
    ],
)
def test_burst_on_a_quiet_route_at_night(seed: int, gw: str, window: tuple, rate: float) -> None:
    """A few attempts per bucket: no single bucket stands out, the run does."""
    fault = {
        "type": "provider_503_burst",
        "gateway": gw,
        "params": {"rate": rate},
        "window": window,
    }
    fs, names = findings(seed, [fault], f"q{seed}")
    f = next(f for f in serious(fs) if f.id == "provider_rejection" and f.gateway == names[gw])
    start, end = f.data["window"]["start"], f.data["window"]["end"]
    assert start[11:16] <= window[0] and end[11:16] >= window[1][:3] + "00"
    assert f.data["status"] == "503"


@pytest.mark.parametrize("seed", [495186, 606, 707])
def test_rejection_noise_on_healthy_days_is_no_burst(seed: int) -> None:
    """The usual rate is the pooled rate outside the buckets that stand out: the median of small
    buckets' rates runs low and made a random 486 cluster look like a provider episode."""
    fs, _ = findings(seed, [], f"n{seed}")
    assert not [f for f in serious(fs) if f.id == "provider_rejection"]


def test_provider_487_pdd_cancels() -> None:
    fs, names = findings(
        42,
        [
            {
                "type": "provider_487",
                "gateway": PROV[4],
                "share": 0.25,
                "params": {"pdd_timeout_s": 6},
            }
        ],
        "c",
    )
    f = next(f for f in serious(fs) if f.id == "provider_rejection")
    assert f.gateway == names[PROV[4]] and f.data["status"] == "487"


def test_midcall_failover_chains() -> None:
    fs, names = findings(51, [{"type": "midcall_failover", "gateway": PROV[0], "share": 0.06}], "f")
    f = next(f for f in serious(fs) if f.id == "failover_switch")
    assert f.gateway == names[PROV[0]] and f.calls >= 20


def test_firewall_and_nat_bands() -> None:
    fs, names = findings(
        61,
        [{"type": "firewall_udp_timeout", "gateway": PROV[1], "params": {"timeout_s": 150}}],
        "w",
    )
    f = next(f for f in serious(fs) if f.id == "firewall_udp_timeout")
    assert f.gateway == names[PROV[1]] and abs(f.data["band_start_s"] - 150) <= 3
    fs, names = findings(
        62, [{"type": "nat_keepalive", "gateway": CUST[2], "params": {"binding_s": 75}}], "n"
    )
    f = next(f for f in serious(fs) if f.id == "nat_keepalive_loss")
    assert f.gateway == names[CUST[2]] and abs(f.data["band_start_s"] - 75) <= 3


@pytest.mark.parametrize(("seed", "proxied"), [(91, True), (92, False)])
def test_media_proxy_fixes_only_where_media_was_not_proxied(seed: int, proxied: bool) -> None:
    from pathlib import Path

    from dropwizard.wizard.loader import load_flow

    flow = load_flow(Path(__file__).resolve().parents[2] / "flows" / "call-drop.yaml")
    fault = {
        "type": "rtp_timeout",
        "gateway": CUST[1],
        "share": 0.08,
        "params": {"timeout_s": 40, "proxied": proxied},
    }
    rows = rows_for(seed, [fault])
    prof = analytics.collect(duck(rows), None, None)
    f = next(f for f in detect(prof, analytics.summarise(prof), flow) if f.id == "rtp_timeout")
    proxy_fixes = [r for r in f.recommendations if "Enable media proxy" in r]
    assert (f.data["proxied_share"] >= 0.5) is proxied
    assert bool(proxy_fixes) is not proxied
