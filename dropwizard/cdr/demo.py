"""A deterministic generator of a realistic VOS3000 CDR day, with planted faults.

`generate(seed=..., day=..., calls=..., faults=[...])` returns one dict per CDR with the real
`e_cdr` column names (`flowno`, `flownofirst`, `callergatewayid`, `calleegatewayid`, `starttime`
and `stoptime` in epoch ms UTC, `holdtime` in seconds, `enddirection`, `endreason`,
`sipreasonheader`, `rtpforward`, `callerpdd`/`calleepdd` in ms, ...). The same arguments always
give the same rows.

The healthy day: a daily load curve (quiet nights, morning and afternoon peaks), five customer
(mapping) gateways and five provider (routing) gateways, ASR between 40 and 65 %, lognormal talk
times (median about 90 s), lognormal post-dial delay, ordered routing with retries over up to three
provider gateways after 503/408/500 or VOS3000's -80 (linked by `flownofirst`), normal releases
mostly Q.850 16 by the caller or the callee, and baseline failures (486 busy, 480 no answer, 487
caller cancel, 404, 503, 408, 403, 500, -80) at ordinary rates; a few switch-ended drops at random
durations.

Faults are dicts `{"type": ..., "gateway": NAME or None, "params": {...}, "share": 0..1,
"window": ("HH:MM", "HH:MM")}` (window and share optional); `gateway` may be a customer or a
provider gateway, None means every gateway. Types and their params:

- `session_timer`: `timer_s` (drop time after answer) or `session_expires` (timer_s is then
  SE - min(32, SE/3), RFC 4028 §10); answered calls longer than the timer are cut by the switch
  with Q.850 102 at the timer (a second later for about 30 % of them). share = affected fraction
  of those calls (default 1).
- `rtp_timeout`: `timeout_s` (default 30), `proxied` (default True: the switch ends the call and
  `rtpforward` = 1; False: the far end ends it, `rtpforward` = 0), `never_flowed` (default 0.4:
  media never started, so the drop comes at the timeout), `mean_stop_s` (default 90: otherwise the
  media stops that long after answer on average). Cause 102. share of answered calls that lose
  media (default 0.05); only those that would have lasted past the cut drop.
- `ack_timeout`: the 200 OK is never ACKed; the switch ends the call 32 s (or 33 s) after answer,
  cause 102. share of the answered calls longer than 32 s (default 0.05).
- `max_call_duration`: `value` (default 3600): calls longer than value are ended by the switch at
  exactly value, with Q.850 16.
- `provider_503_burst`: `rate` (default 0.6): attempts on the gateway within `window` are
  rejected with 503 at that rate and retried on the next gateway.
- `provider_487`: `pdd_timeout_s` (default 8): a share of attempts (default 0.15) get no answer
  before the switch's PDD timeout; the switch CANCELs (487, enddirection 2) and retries.
- `midcall_failover`: a share of the answered calls longer than 10 s (default 0.04) is ended by
  the switch mid-call with Q.850 41 and re-routed to another provider within 0.5-3 s (same
  `flownofirst`).
- `firewall_udp_timeout`: `timeout_s` (default 120): signalling idles out; a share of answered
  calls (default 0.08) longer than the timeout drops from then on (a band), cause 102.
- `nat_keepalive`: `binding_s` (default 60): as above for an endpoint behind NAT whose binding
  expires; usually a customer gateway. share default 0.08.

The default demo dataset (`--source demo`, `DEMO_FAULTS`) is one day, 2026-11-27 UTC: 30,000
calls in 33,412 CDRs (retries included), seed 7, ASR 54 % of the CDRs (60 % of the calls end
answered), with three planted problems:

1. `PRV-Zetta-Route2` (provider): a session timer with Session-Expires 1800 s that is never
   refreshed: every call on it longer than 1768 s is ended by the switch at 1768 s, or 1769 s for
   about a third (cause 102): 37 calls.
2. `PRV-TeleCC-Direct` (provider): a 503 burst from 14:00 to 15:10 UTC, 55 % of its attempts are
   rejected with 503 in that window on top of its background failures (458 of its 787 attempts
   there end 503), retried on the next gateway while the call has one left.
3. `CUST-Kingcall-NAT` (customer): RTP timeout of 30 s with media proxy on: 6 % of its answered
   calls lose their media, and the 119 of them that would have lasted longer (3.7 % of its 3,219
   answered calls) drop from 30 s after answer onwards (cause 102, ended by the switch).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta, timezone
from itertools import accumulate, permutations
from typing import Any, ClassVar

from dropwizard.reference.rfc3398 import sip_to_q850

DEMO_SEED = 7
DEMO_DAY = date(2026, 11, 27)
DEMO_CALLS = 30_000

CUSTOMERS: tuple[tuple[str, float, str, int], ...] = (
    ("CUST-Acme-SIP", 0.26, "Acme Telecom", 1),
    ("CUST-Globtel", 0.22, "Globtel Ltd", 1),
    ("CUST-Kingcall-NAT", 0.18, "金话通讯", 1),
    ("CUST-Sunrise-Retail", 0.18, "Sunrise Retail VoIP", 0),
    ("CUST-Wholesale-7", 0.16, "上海批发七号", 0),
)
"""(name, traffic weight, customer name, media proxy) of the mapping gateways."""

PROVIDERS: tuple[tuple[str, float, float, str], ...] = (
    ("PRV-Orion-Premium", 0.30, 0.62, "10.20.1.11"),
    ("PRV-TeleCC-Direct", 0.25, 0.55, "10.20.2.21"),
    ("PRV-Zetta-Route2", 0.20, 0.52, "10.20.3.31"),
    ("PRV-Vox-Backup", 0.15, 0.48, "10.20.4.41"),
    ("PRV-Bharti-CLI", 0.10, 0.50, "10.20.5.51"),
)
"""(name, first-choice weight, answer probability, signalling IP) of the routing gateways."""

DEMO_FAULTS: list[dict[str, Any]] = [
    {"type": "session_timer", "gateway": "PRV-Zetta-Route2", "params": {"session_expires": 1800}},
    {
        "type": "provider_503_burst",
        "gateway": "PRV-TeleCC-Direct",
        "params": {"rate": 0.55},
        "window": ("14:00", "15:10"),
    },
    {
        "type": "rtp_timeout",
        "gateway": "CUST-Kingcall-NAT",
        "params": {"timeout_s": 30, "proxied": True},
        "share": 0.06,
    },
]

FAULT_TYPES: tuple[str, ...] = (
    "session_timer",
    "rtp_timeout",
    "ack_timeout",
    "max_call_duration",
    "provider_503_burst",
    "provider_487",
    "midcall_failover",
    "firewall_udp_timeout",
    "nat_keepalive",
)

LOAD_CURVE: tuple[float, ...] = (
    0.15,
    0.10,
    0.08,
    0.07,
    0.08,
    0.12,
    0.25,
    0.50,
    0.80,
    1.00,
    1.00,
    0.95,
    0.85,
    0.90,
    1.00,
    1.00,
    0.95,
    0.85,
    0.70,
    0.55,
    0.45,
    0.35,
    0.28,
    0.20,
)
"""Relative call volume per hour of the day."""

DESTINATIONS: tuple[tuple[str, int], ...] = (
    ("8613", 7),
    ("8615", 7),
    ("4479", 6),
    ("6281", 8),
    ("9198", 6),
    ("2348", 7),
    ("8801", 8),
)

BASE_FAILURES: tuple[tuple[int, float], ...] = (
    (486, 0.24),
    (480, 0.20),
    (487, 0.24),
    (404, 0.09),
    (503, 0.10),
    (408, 0.04),
    (403, 0.03),
    (500, 0.02),
    (-80, 0.04),
)
"""Failure statuses of a non-answered attempt and their relative weights."""

RETRY_ON = frozenset({503, 408, 500, -80})
RANDOM_DROP_RATE = 0.004
"""Share of answered calls ended by the switch at a random time (the healthy background)."""

LN_PDD, LN_RING, LN_TALK = math.log(2200), math.log(7000), math.log(90)
REASON_16 = 'Q.850;cause=16;text="Normal call clearing"'
REASON_TEXT = {
    17: "User busy",
    18: "No user responding",
    41: "Temporary failure",
    1: "Unallocated number",
    21: "Call rejected",
    102: "Recovery on timer expiry",
    127: "Interworking, unspecified",
}

COLUMNS: tuple[str, ...] = (
    "id",
    "callere164",
    "calleraccesse164",
    "calleee164",
    "calleeaccesse164",
    "callerip",
    "callerrtpip",
    "callercodec",
    "callergatewayid",
    "callerproductid",
    "callertogatewaye164",
    "callertype",
    "calleeip",
    "calleertpip",
    "calleecodec",
    "calleegatewayid",
    "calleeproductid",
    "calleetogatewaye164",
    "calleetype",
    "billingmode",
    "calllevel",
    "agentfeetime",
    "starttime",
    "stoptime",
    "callerpdd",
    "calleepdd",
    "holdtime",
    "callerareacode",
    "feetime",
    "fee",
    "tax",
    "suitefee",
    "suitefeetime",
    "incomefee",
    "incometax",
    "customeraccount",
    "customername",
    "calleeareacode",
    "agentfee",
    "agenttax",
    "agentsuitefee",
    "agentsuitefeetime",
    "agentaccount",
    "agentname",
    "flowno",
    "softswitchname",
    "softswitchcallid",
    "callercallid",
    "calleroriginalcallid",
    "calleecallid",
    "calleroriginalinfo",
    "rtpforward",
    "enddirection",
    "endreason",
    "billingtype",
    "cdrlevel",
    "agentcdr_id",
    "sipreasonheader",
    "recordstarttime",
    "transactionid",
    "flownofirst",
)
"""The `e_cdr` columns in schema order (vos3000-schema.sql)."""

GENERATED: tuple[str, ...] = (
    "id",
    "callere164",
    "calleraccesse164",
    "calleee164",
    "calleeaccesse164",
    "callerip",
    "callercodec",
    "callergatewayid",
    "callerproductid",
    "callertogatewaye164",
    "calleeip",
    "calleecodec",
    "calleegatewayid",
    "calleeproductid",
    "calleetogatewaye164",
    "billingmode",
    "calllevel",
    "starttime",
    "stoptime",
    "callerpdd",
    "calleepdd",
    "holdtime",
    "feetime",
    "fee",
    "customeraccount",
    "customername",
    "calleeareacode",
    "flowno",
    "softswitchname",
    "softswitchcallid",
    "callercallid",
    "calleecallid",
    "rtpforward",
    "enddirection",
    "endreason",
    "sipreasonheader",
    "flownofirst",
)
"""The columns `generate` fills (the others are NULL, as on many real installs)."""


def gateway_names() -> tuple[list[str], list[str]]:
    """(customer gateways, provider gateways) of the generated day."""
    return [c[0] for c in CUSTOMERS], [p[0] for p in PROVIDERS]


def _reason(cause: int, text: str | None = None) -> str:
    return f'Q.850;cause={cause};text="{text or REASON_TEXT.get(cause, "")}"'


def _clock(day: date, value: Any) -> int:
    """A window bound as epoch ms: "HH:MM", seconds of the day, or a datetime."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return int(dt.timestamp() * 1000)
    base = datetime.combine(day, time(0), tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return int((base + timedelta(seconds=float(value))).timestamp() * 1000)
    hh, _, mm = str(value).partition(":")
    return int((base + timedelta(hours=int(hh), minutes=int(mm or 0))).timestamp() * 1000)


class _Fault:
    """One fault spec, checked and with its defaults filled in."""

    DEFAULT_SHARE: ClassVar[dict[str, float]] = {
        "session_timer": 1.0,
        "rtp_timeout": 0.05,
        "ack_timeout": 0.05,
        "max_call_duration": 1.0,
        "provider_503_burst": 1.0,
        "provider_487": 0.15,
        "midcall_failover": 0.04,
        "firewall_udp_timeout": 0.08,
        "nat_keepalive": 0.08,
    }

    def __init__(self, spec: dict[str, Any], day: date) -> None:
        self.type = spec.get("type")
        if self.type not in FAULT_TYPES:
            raise ValueError(f"unknown fault type {self.type!r}; known: {', '.join(FAULT_TYPES)}")
        self.gateway: str | None = spec.get("gateway")
        self.params: dict[str, Any] = dict(spec.get("params") or {})
        self.share = float(spec.get("share", self.DEFAULT_SHARE[self.type]))
        win = spec.get("window")
        self.window: tuple[int, int] | None = (
            (_clock(day, win[0]), _clock(day, win[1])) if win else None
        )
        if self.type == "session_timer":
            if "timer_s" in self.params:
                self.value = int(self.params["timer_s"])
            else:
                se = int(self.params.get("session_expires", 1800))
                self.value = int(se - min(32, se / 3))
        elif self.type == "max_call_duration":
            self.value = int(self.params.get("value", 3600))
        elif self.type == "rtp_timeout":
            self.value = int(self.params.get("timeout_s", 30))
        elif self.type == "firewall_udp_timeout":
            self.value = int(self.params.get("timeout_s", 120))
        elif self.type == "nat_keepalive":
            self.value = int(self.params.get("binding_s", 60))
        elif self.type == "provider_487":
            self.value = int(float(self.params.get("pdd_timeout_s", 8)) * 1000)
        else:
            self.value = 0

    def applies(self, caller_gw: str, callee_gw: str, start_ms: int) -> bool:
        if self.gateway is not None and self.gateway not in (caller_gw, callee_gw):
            return False
        return not (self.window and not (self.window[0] <= start_ms < self.window[1]))


def generate(
    *,
    seed: int = DEMO_SEED,
    day: date = DEMO_DAY,
    calls: int = DEMO_CALLS,
    faults: Sequence[dict[str, Any]] | None = None,
    first_flowno: int | None = None,
) -> list[dict[str, Any]]:
    """One VOS3000 day of CDRs (see the module docstring); `calls` counts calls, not legs."""
    return [
        dict(zip(GENERATED, t, strict=True))
        for t in generate_tuples(
            seed=seed, day=day, calls=calls, faults=faults, first_flowno=first_flowno
        )
    ]


def generate_tuples(
    *,
    seed: int = DEMO_SEED,
    day: date = DEMO_DAY,
    calls: int = DEMO_CALLS,
    faults: Sequence[dict[str, Any]] | None = None,
    first_flowno: int | None = None,
) -> list[tuple[Any, ...]]:
    """As `generate`, one tuple per CDR in `GENERATED` column order (the fast path for loaders)."""
    rng = random.Random(seed)
    specs = [_Fault(f, day) for f in (faults or [])]
    day0 = int(datetime.combine(day, time(0), tzinfo=timezone.utc).timestamp() * 1000)
    flowno = first_flowno if first_flowno is not None else 10_000_000 + seed % 1000 * 1_000_000
    cust_names = [c[0] for c in CUSTOMERS]
    cust_cum = list(accumulate(c[1] for c in CUSTOMERS))
    prov_names = [p[0] for p in PROVIDERS]
    prov_cum = list(accumulate(p[1] for p in PROVIDERS))
    prov = {p[0]: p for p in PROVIDERS}
    cust = {c[0]: c for c in CUSTOMERS}
    fail_codes = [f[0] for f in BASE_FAILURES]
    fail_cum = list(accumulate(f[1] for f in BASE_FAILURES))
    hour_cum = list(accumulate(LOAD_CURVE))
    orders = {
        first: [list(o) for o in permutations([p for p in prov_names if p != first], 2)]
        for first in prov_names
    }
    rand = rng.random
    cip = [f"192.0.2.{10 + i}" for i in range(len(CUSTOMERS))]
    lognorm = rng.lognormvariate
    starts = sorted(
        day0 + bisect(hour_cum, rand() * hour_cum[-1]) * 3_600_000 + int(rand() * 3_600_000)
        for _ in range(calls)
    )
    rows: list[tuple[Any, ...]] = []
    for n, t0 in enumerate(starts):
        ci = bisect(cust_cum, rand() * cust_cum[-1])
        cgw = cust_names[ci]
        caller = f"1{ci + 2}{100_000_000 + int(rand() * 899_999_999)}"
        prefix, ndig = DESTINATIONS[int(rand() * len(DESTINATIONS))]
        callee = prefix + str(10 ** (ndig - 1) + int(rand() * 9 * 10 ** (ndig - 1)))
        first = prov_names[bisect(prov_cum, rand() * prov_cum[-1])]
        alts = orders[first]
        route = [first, *alts[int(rand() * len(alts))]]
        flownofirst = flowno
        t = t0
        caller_pdd_acc = 0
        carry_hold: int | None = None
        attempt = 0
        while attempt < len(route):
            pgw = route[attempt]
            attempt += 1
            active = [f for f in specs if f.applies(cgw, pgw, t)] if specs else []
            proxied = cust[cgw][3]
            status = 0
            hold = 0
            direction = 1
            reason = ""
            pdd = int(lognorm(LN_PDD, 0.45))
            ring_ms = 0
            retry = False
            forced = None
            for f in active:
                if (
                    f.type == "provider_503_burst"
                    and rand() < float(f.params.get("rate", 0.6)) * f.share
                ):
                    forced = 503
                elif f.type == "provider_487" and rand() < f.share:
                    forced = 487
            answered = carry_hold is not None or (forced is None and rand() < prov[pgw][2])
            if forced == 503:
                status, pdd, direction, retry = 503, int(rng.uniform(60, 400)), 1, True
                reason = _reason(41) if rand() < 0.5 else ""
            elif forced == 487:
                f487 = next(f for f in active if f.type == "provider_487")
                status, pdd, direction, retry = 487, f487.value + int(rng.uniform(0, 300)), 2, True
            elif not answered:
                status = fail_codes[bisect(fail_cum, rand() * fail_cum[-1])]
                if status == 487:
                    direction = 0
                    ring_ms = int(rng.uniform(2000, 30000))
                elif status == 480:
                    ring_ms = int(rng.uniform(30000, 60000))
                    reason = _reason(18) if rand() < 0.5 else ""
                elif status == 486:
                    pdd = int(pdd * 0.7)
                    reason = _reason(17) if rand() < 0.6 else ""
                elif status in (404, 403):
                    pdd = int(rng.uniform(150, 900))
                    reason = _reason(sip_to_q850(status)) if rand() < 0.5 else ""
                elif status == -80:
                    direction, pdd = 2, int(rng.uniform(3000, 9000))
                else:
                    pdd = int(rng.uniform(100, 1500)) if status != 408 else 32000
                retry = status in RETRY_ON
            else:
                ring_ms = int(lognorm(LN_RING, 0.6))
                natural = (
                    carry_hold
                    if carry_hold is not None
                    else max(1, min(14400, int(lognorm(LN_TALK, 1.3))))
                )
                hold = natural
                carry_hold = None
                status = 200
                direction = 0 if rand() < 0.53 else 1
                reason = REASON_16 if rand() < 0.6 else ""
                if rand() < RANDOM_DROP_RATE:
                    hold = max(1, int(rand() * natural))
                    direction, reason = 2, _reason(102)
                for f in active:
                    if f.type == "session_timer" and hold > f.value and rand() < f.share:
                        hold, direction = f.value + (rand() < 0.3), 2
                        reason = _reason(102, "Session timer expired")
                    elif f.type == "max_call_duration" and hold > f.value and rand() < f.share:
                        hold, direction, reason = f.value, 2, _reason(16, "Max call duration")
                    elif f.type == "ack_timeout" and hold > 32 and rand() < f.share:
                        hold, direction, reason = 32 + (rand() < 0.4), 2, _reason(102)
                    elif f.type == "rtp_timeout" and rand() < f.share:
                        stop = (
                            0.0
                            if rand() < float(f.params.get("never_flowed", 0.4))
                            else rng.expovariate(1 / float(f.params.get("mean_stop_s", 90)))
                        )
                        cut = int(stop + f.value + rng.uniform(0, 2))
                        if cut < hold:
                            hold, reason = cut, _reason(102, "RTP timeout")
                            on = bool(f.params.get("proxied", True))
                            direction, proxied = (2, 1) if on else (1, 0)
                    elif f.type in ("firewall_udp_timeout", "nat_keepalive") and (
                        hold > f.value and rand() < f.share
                    ):
                        cut = int(f.value + rng.expovariate(1 / 25.0))
                        if cut < hold:
                            hold, direction, reason = cut, 2, _reason(102)
                    elif f.type == "midcall_failover" and hold > 10 and rand() < f.share:
                        cut = max(5, int(hold * rng.uniform(0.15, 0.85)))
                        carry_hold = hold - cut
                        hold, direction, reason = cut, 2, _reason(41)
                        if attempt >= len(route):
                            route.append(next(p for p in prov_names if p not in route))
            cpdd = pdd + int(rng.uniform(15, 80))
            caller_pdd_acc += cpdd
            stop = t + cpdd + ring_ms + hold * 1000 + int(rng.uniform(0, 900))
            flow_id = flowno
            flowno += 1
            p = prov[pgw]
            rows.append(
                (
                    flow_id - 9_000_000,
                    caller,
                    caller,
                    callee,
                    callee,
                    cip[ci],
                    "G729" if ci % 2 else "PCMA",
                    cgw,
                    "FreeSWITCH-mod_sofia/1.10.9",
                    caller,
                    p[3],
                    "G729" if ci % 2 else "PCMA",
                    pgw,
                    "Sippy Softswitch v2021",
                    callee,
                    1,
                    5,
                    t,
                    stop,
                    caller_pdd_acc,
                    pdd,
                    hold,
                    (hold + 59) // 60 * 60 if hold else 0,
                    round(((hold + 59) // 60) * 0.012, 4),
                    f"{1000 + ci}",
                    cust[cgw][2],
                    prefix,
                    flow_id,
                    "MBX-01",
                    flow_id * 7 % 100_000_000,
                    f"{flow_id:x}-{n:x}@{cip[ci]}",
                    f"{flow_id:x}@10.10.0.1",
                    proxied,
                    direction,
                    status,
                    reason,
                    flownofirst,
                )
            )
            if answered or not retry:
                if carry_hold is None:
                    break
                t = stop + int(rng.uniform(500, 3000))
                continue
            t = stop + int(rng.uniform(50, 400))
    return rows


def demo_rows() -> list[dict[str, Any]]:
    """The default demo dataset (seed 7, 2026-11-27, DEMO_FAULTS)."""
    return generate(seed=DEMO_SEED, day=DEMO_DAY, calls=DEMO_CALLS, faults=DEMO_FAULTS)


def to_csv_lines(
    rows: Iterable[dict[str, Any]], columns: Sequence[str] = GENERATED
) -> Iterable[str]:
    """Rows as CSV lines (header first) with VOS column names, for exports and tests."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    yield buf.getvalue()
    for r in rows:
        buf.seek(0)
        buf.truncate()
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
        yield buf.getvalue()
