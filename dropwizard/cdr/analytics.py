"""Analytics over the groups the database returns: totals, gateways, causes, histograms, timelines.

`collect(source, since, until, gateway)` runs the profile, chains and timeline statements on every
table of the window (dedup by flowno where the bare `e_cdr` joins in) and merges their groups into a
`Profile`. Everything else here is pure Python over those groups; no CDR row ever reaches the
client for a window analysis.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from dropwizard.cdr import sql
from dropwizard.cdr.base import CdrSource
from dropwizard.reference.causes import Cause, normalise

USER_CAUSES = frozenset({16, 17, 18, 19, 31})
"""Q.850 causes that are the callers' and callees' own doing (hangup, busy, no answer)."""

TIMELINE_BUCKETS = 100
BUCKET_LADDER_MIN: tuple[int, ...] = (5, 10, 15, 30, 60, 120, 240, 480, 1440)


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _i(v: Any) -> int | None:
    return None if v is None else int(v)


def epoch_ms(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp() * 1000)


def bucket_for(since: datetime | None, until: datetime | None) -> int:
    """Timeline bucket in ms: the finest of 5, 10, 15, 30 min, 1 h, ... giving <= 100 buckets."""
    if since is None or until is None:
        return 900_000
    span = max(1, epoch_ms(until) - epoch_ms(since))  # type: ignore[operator]
    for minutes in BUCKET_LADDER_MIN:
        if span / (minutes * 60_000) <= TIMELINE_BUCKETS:
            return minutes * 60_000
    return BUCKET_LADDER_MIN[-1] * 60_000


def reason_from_code(code: str) -> str:
    """The Reason header a profile's 4-character code stands for (`Q102` -> `Q.850;cause=102`)."""
    if not code:
        return ""
    digits = ""
    for ch in code[1:]:
        if not ch.isdigit():
            break
        digits += ch
    if not digits:
        return ""
    proto = "SIP" if code[0] in "Ss" else "Q.850"
    return f"{proto};cause={digits}"


@dataclass
class Profile:
    """Merged groups of the profile and chains statements."""

    bucket_ms: int = 300_000
    calls: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    """(caller_gw, callee_gw, reason header, endreason, direction, hkey, rtp) -> [n, hold, cpdd];
    hkey = drop duration (s) for drops, -1 other answered, 0 not answered."""
    timeline: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    """(callee_gw, bucket, status or 0 when answered, enddirection of a 487) -> n (drops excluded)"""
    pdd: dict[str, list[int]] = field(default_factory=dict)
    """callee_gw -> [calls with a PDD > 0, cumulative counts below each sql.PDD_EDGES_MS edge]"""
    chains: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    """(switch-ended gateway, midcall 0/1) -> [retried calls, chain groups]"""
    chains_known: bool = False
    tables: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    received: int = 0
    failed_switch: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    """(caller_gw, callee_gw) -> failed attempts ended by the switch"""

    def add_profile_rows(self, rows: list[tuple[Any, ...]]) -> None:
        self.received += len(rows)
        for row in rows:
            s1, s2, hkey, rtp, xstatus, xdir, xreason, pbin, n, hold_sum, cpdd_sum = row
            cgw, pgw, hkey, n = _s(s1), _s(s2), int(hkey or 0), int(n)
            if pbin:
                self._add_pdd(pgw, int(pbin), n)
            reason = reason_from_code(_s(xreason))
            status, direction = _i(xstatus), _i(xdir)
            if hkey > 0 and xdir is None:
                # a drop not ended by the switch is in the drop set only for cause 102
                reason, status = "Q.850;cause=102", None
            elif hkey == -1:
                reason, status = "", 200
            elif hkey == 0 and direction == 2:
                self.failed_switch[(cgw, pgw)] += n
            drop_rtp = _i(rtp) if hkey > 0 else None
            self._add(
                cgw,
                pgw,
                reason,
                status,
                direction,
                hkey,
                drop_rtp,
                n,
                int(hold_sum or 0),
                int(cpdd_sum or 0),
            )

    def _add_pdd(self, pgw: str, pbin: int, n: int) -> None:
        """`n` calls in PDD bin `pbin` (see sql.pdd_bin) for provider gateway `pgw`."""
        edges = len(sql.PDD_EDGES_MS)
        p = self.pdd.setdefault(pgw, [0] * (edges + 1))
        p[0] += n
        for j in range(pbin - 1, edges):
            p[j + 1] += n

    def add_timeline_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """(callee gateway, bucket, status or 0, 487 direction, calls) groups."""
        self.received += len(rows)
        for gw, bucket, code, d487, n in rows:
            if bucket is not None:
                self.timeline[(_s(gw), int(bucket), _i(code), _i(d487))] += int(n)

    def _add(
        self,
        cgw: str,
        pgw: str,
        reason: str,
        status: int | None,
        direction: int | None,
        hkey: int,
        rtp: int | None,
        n: int,
        hold: int,
        cpdd: int,
    ) -> None:
        acc = self.calls[(cgw, pgw, reason, status, direction, hkey, rtp)]
        acc[0] += n
        acc[1] += hold
        acc[2] += cpdd

    def add_chain_rows(self, rows: list[tuple[Any, ...]]) -> None:
        self.received += len(rows)
        self.chains_known = True
        for gw, midcall, chains, n in rows:
            acc = self.chains[(_s(gw), int(midcall))]
            acc[0] += int(chains or 0)
            acc[1] += int(n)

    @property
    def rows_received(self) -> int:
        return self.received


def collect(
    source: CdrSource,
    since: datetime | None,
    until: datetime | None,
    gateway: str | None = None,
    *,
    chains: bool = True,
) -> Profile:
    """Run the analytics statements on every table of the window and merge the groups."""
    bucket = bucket_for(since, until)
    prof = Profile(bucket_ms=bucket)
    mysql = source.dialect == "mysql"
    stmts: list[tuple[str, sql.Stmt]] = []
    for plan in source.plan(since, until):
        cm = source.columns(plan.table)
        f = sql.Filter(epoch_ms(since), epoch_ms(until), gateway, plan.exclude)
        prof.tables.append(plan.table)
        prof.missing = sorted(set(prof.missing) | set(cm.missing()))
        stmts.append(("profile", sql.profile(cm, plan.table, f, mysql=mysql)))
        chain = sql.chains(cm, plan.table, f) if chains else None
        if chain is not None:
            stmts.append(("chains", chain))
        stmts.append(("timeline", sql.timeline(cm, plan.table, f, bucket, mysql=mysql)))
    results = source.execute_many([stmt for _, stmt in stmts])
    for (kind, _), rows in zip(stmts, results, strict=True):
        if kind == "profile":
            prof.add_profile_rows(rows)
        elif kind == "chains":
            prof.add_chain_rows(rows)
        else:
            prof.add_timeline_rows(rows)
    return prof


# ------------------------------------------------------------------------------------------
@dataclass
class GatewayStats:
    name: str
    side: str
    calls: int = 0
    answered: int = 0
    hold_sum: int = 0
    cpdd_sum: int = 0
    dropped: int = 0

    @property
    def asr(self) -> float:
        return self.answered / self.calls if self.calls else 0.0

    @property
    def acd(self) -> float:
        return self.hold_sum / self.answered if self.answered else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "gateway": self.name,
            "side": self.side,
            "calls": self.calls,
            "answered": self.answered,
            "asr": round(self.asr, 4),
            "acd_s": round(self.acd, 1),
            "dropped": self.dropped,
        }


@dataclass
class Summary:
    """Everything the detectors and the gatherers read, computed from a Profile."""

    profile: Profile
    calls: int = 0
    answered: int = 0
    dropped: int = 0
    switch_ended: int = 0
    gateways: dict[tuple[str, str], GatewayStats] = field(default_factory=dict)
    """(side, name) -> stats; side is `caller` (customer) or `callee` (provider)."""
    causes: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    """Q.850 cause (int) or a label (str) for causes without a Q.850 value -> calls"""
    causes_answered: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    causes_by_gw: dict[tuple[str, str, Any], int] = field(default_factory=lambda: defaultdict(int))
    problem: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    """Cause -> drops plus failures users did not cause (no baseline: see the cdr.causes gatherer)"""
    drop_causes: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    """Cause -> answered calls that dropped (ended by the switch, or with cause 102)"""
    drops: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    """(side, gateway) -> {duration s: drops}; ("all", "") holds every drop."""
    drops_102: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    """As `drops`, only the drops whose normalised cause is Q.850 102."""
    pair_drops: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    """(caller gateway, callee gateway) -> {duration s: drops}: what two sides' histograms share."""
    drops_proxied: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    """(side, gateway) -> [drops with rtpforward known, of which proxied]"""

    @property
    def failed(self) -> int:
        return self.calls - self.answered

    def gateway(self, side: str, name: str) -> GatewayStats:
        key = (side, name)
        if key not in self.gateways:
            self.gateways[key] = GatewayStats(name=name, side=side)
        return self.gateways[key]

    def histogram(self, side: str, name: str) -> dict[int, int]:
        return self.drops.get((side, name), {})


def cause_key(c: Cause) -> Any:
    return c.q850 if c.q850 is not None else c.label


def is_problem(c: Cause, direction: int | None, answered: bool, drop: bool) -> bool:
    """A call that matters for a drop diagnosis: a drop, or a failure users did not cause."""
    if drop:
        return True
    if answered:
        return False
    if c.sip_status == 487 and direction == 0:
        return False
    return c.q850 not in USER_CAUSES


def summarise(prof: Profile) -> Summary:
    s = Summary(profile=prof)
    for (cgw, pgw, reason, endreason, direction, hkey, rtp), (n, hold, cpdd) in prof.calls.items():
        answered = hkey != 0
        drop = hkey > 0
        cause = normalise(endreason, reason or None)
        key = cause_key(cause)
        s.calls += n
        s.causes[key] += n
        if answered:
            s.answered += n
            s.causes_answered[key] += n
        if direction == 2 and answered:
            s.switch_ended += n
        if is_problem(cause, direction, answered, drop):
            s.problem[key] += n
        for side, gw in (("caller", cgw), ("callee", pgw)):
            g = s.gateway(side, gw)
            g.calls += n
            s.causes_by_gw[(side, gw, key)] += n
            if answered:
                g.answered += n
                g.hold_sum += hold
                g.cpdd_sum += cpdd
            if drop:
                g.dropped += n
        if drop:
            s.dropped += n
            s.drop_causes[key] += n
            s.pair_drops.setdefault((cgw, pgw), defaultdict(int))[hkey] += n
            for side, gw in (("caller", cgw), ("callee", pgw), ("all", "")):
                h = s.drops.setdefault((side, gw), defaultdict(int))
                h[hkey] += n
                if cause.q850 == 102:
                    h2 = s.drops_102.setdefault((side, gw), defaultdict(int))
                    h2[hkey] += n
                px = s.drops_proxied.setdefault((side, gw), [0, 0])
                if rtp is not None:
                    px[0] += n
                    px[1] += n if rtp in (1, 3) else 0
    s.switch_ended += sum(prof.failed_switch.values())
    return s


def pdd_p50(prof: Profile, gateway: str | None = None) -> int | None:
    """Median callee-side PDD in ms for one provider gateway or all (interpolated between edges)."""
    width = len(sql.PDD_EDGES_MS) + 1
    tot = [0] * width
    for gw, p in prof.pdd.items():
        if gateway is None or gw == gateway:
            tot = [a + b for a, b in zip(tot, p, strict=True)]
    n = tot[0]
    if not n:
        return None
    half = n / 2
    prev_edge, prev_cum = 0, 0
    for edge, cum in zip(sql.PDD_EDGES_MS, tot[1:], strict=True):
        if cum >= half:
            frac = (half - prev_cum) / max(1, cum - prev_cum)
            return int(prev_edge + frac * (edge - prev_edge))
        prev_edge, prev_cum = edge, cum
    return sql.PDD_EDGES_MS[-1]


def iso_ms(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )
