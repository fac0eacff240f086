"""A band's leading edge is not a fixed-duration spike, and a real session timer stays one.

An RTP timeout cuts the calls whose media never flowed right at the timeout and the others later:
a pile at the onset with a tail. A session timer cuts at one duration and leaves nothing behind.
The band's onset also shows, diluted, on all drops and on the peers that carry its calls.
"""

from __future__ import annotations

from typing import Any

import pytest
from cdrdays import duck, renamed, rows_for

from dropwizard.cdr import analytics
from dropwizard.cdr.demo import gateway_names
from dropwizard.diagnosis.detectors import detect
from dropwizard.diagnosis.finding import Finding

CUST, PROV = gateway_names()


def findings(
    seed: int, faults: list[dict[str, Any]], prefix: str, gateway: str | None = None
) -> tuple[list[Finding], dict[str, str]]:
    """Findings over a generated day with renamed gateways, or over one gateway's calls."""
    names = renamed(prefix)
    scope = names[gateway] if gateway else None
    prof = analytics.collect(duck(rows_for(seed, faults, rename=names)), None, None, scope)
    return detect(prof, analytics.summarise(prof), gateway=scope), names


def rtp(gateway: str, onset: int, share: float, never_flowed: float, proxied: bool) -> dict:
    return {
        "type": "rtp_timeout",
        "gateway": gateway,
        "share": share,
        "params": {"timeout_s": onset, "never_flowed": never_flowed, "proxied": proxied},
    }


def timer(gateway: str, timer_s: int) -> dict:
    return {"type": "session_timer", "gateway": gateway, "params": {"timer_s": timer_s}}


def serious(fs: list[Finding], fid: str) -> list[Finding]:
    return [f for f in fs if f.id == fid and f.severity.value in ("high", "medium")]


BANDS = [
    (1401, 40, CUST[0], 0.08, 0.4, True),
    (1402, 40, PROV[2], 0.08, 0.5, False),
    (1403, 42, CUST[1], 0.05, 0.4, True),
    (1404, 42, PROV[0], 0.06, 0.3, True),
    (1405, 45, CUST[2], 0.12, 0.4, False),
    (1406, 45, PROV[1], 0.05, 0.5, True),
    (1407, 45, CUST[4], 0.08, 0.3, True),
    (1408, 60, CUST[3], 0.08, 0.4, True),
    (1409, 60, PROV[0], 0.08, 0.4, False),
    (1410, 60, CUST[1], 0.12, 0.5, True),
    (1411, 75, CUST[0], 0.08, 0.4, True),
    (1412, 75, PROV[1], 0.1, 0.3, True),
    (1413, 75, CUST[2], 0.12, 0.5, False),
]


@pytest.mark.parametrize(("seed", "onset", "gw", "share", "never_flowed", "proxied"), BANDS)
def test_band_onset_is_no_session_timer(
    seed: int, onset: int, gw: str, share: float, never_flowed: float, proxied: bool
) -> None:
    fs, names = findings(seed, [rtp(gw, onset, share, never_flowed, proxied)], f"b{seed}")
    st = [f for f in fs if f.id == "session_timer_expiry"]
    assert st == [], [(f.title, f.severity.value, f.gateway) for f in st]
    band = serious(fs, "rtp_timeout")
    assert band, [f.title for f in fs]
    assert band[0].gateway == names[gw]
    assert abs(band[0].data["rtp_timeout_s"] - onset) <= 3


@pytest.mark.parametrize("onset", [42, 60, 75])
def test_band_onset_is_no_session_timer_in_a_gateway_scope(onset: int) -> None:
    fault = rtp(CUST[2], onset, 0.1, 0.4, True)
    fs, names = findings(1500 + onset, [fault], f"g{onset}", gateway=CUST[2])
    assert not [f for f in fs if f.id == "session_timer_expiry"], [f.title for f in fs]
    assert [f for f in serious(fs, "rtp_timeout") if f.gateway == names[CUST[2]]]


@pytest.mark.parametrize("seed", [1601, 1602])
def test_media_that_never_flowed_is_no_session_timer(seed: int) -> None:
    """Nearly every affected call cut at the timeout, hardly a tail: below the earliest a session
    timer can fire (RFC 4028 Min-SE 90 s: 60 s after answer), it is still an RTP timeout."""
    fs, names = findings(seed, [rtp(PROV[seed % 2], 44, 0.1, 0.9, True)], f"n{seed}")
    assert not [f for f in fs if f.id == "session_timer_expiry"], [f.title for f in fs]
    f = serious(fs, "rtp_timeout")[0]
    assert f.gateway == names[PROV[seed % 2]] and abs(f.data["rtp_timeout_s"] - 44) <= 2


TIMERS = [
    (1701, [timer(PROV[0], 90)], PROV[0], 90),
    (1702, [timer(CUST[1], 90)], CUST[1], 90),
    (1703, [timer(PROV[0], 1800)], PROV[0], 1800),
    (1704, [timer(PROV[2], 1768)], PROV[2], 1768),
    (1705, [timer(PROV[0], 90), rtp(CUST[2], 45, 0.1, 0.4, True)], PROV[0], 90),
    (1706, [timer(PROV[3], 90), rtp(PROV[1], 60, 0.08, 0.4, False)], PROV[3], 90),
    (1707, [timer(PROV[1], 90), rtp(PROV[1], 42, 0.1, 0.4, True)], PROV[1], 90),
    (1708, [timer(PROV[0], 1800), rtp(CUST[0], 42, 0.08, 0.4, True)], PROV[0], 1800),
    (1709, [timer(CUST[1], 1768), rtp(CUST[3], 75, 0.1, 0.4, True)], CUST[1], 1768),
]


@pytest.mark.parametrize(("seed", "faults", "gw", "timer_s"), TIMERS)
def test_session_timer_still_found(
    seed: int, faults: list[dict[str, Any]], gw: str, timer_s: int
) -> None:
    fs, names = findings(seed, faults, f"t{seed}")
    st = serious(fs, "session_timer_expiry")
    assert st, [f.title for f in fs]
    assert st[0].gateway == names[gw] and abs(st[0].data["timer_s"] - timer_s) <= 1
    assert all(abs(f.data["timer_s"] - timer_s) <= 3 for f in fs if f.id == "session_timer_expiry")
    band = next((f for f in faults if f["type"] == "rtp_timeout"), None)
    if band is not None:
        # a timer on the band's own gateway squeezes the tail under it, so its onset is found at
        # the 10 s scale only
        f = serious(fs, "rtp_timeout")[0]
        onset = band["params"]["timeout_s"]
        assert f.gateway == names[band["gateway"]] and abs(f.data["rtp_timeout_s"] - onset) <= 10
