"""Analytics over the groups the database returns: totals, gateways, causes, histograms, timelines.

`collect(source, since, until, gateway)` runs the profile and chains statements on every table of
the window (dedup by flowno where the bare `e_cdr` joins in) and merges their groups into a
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

TIMELINE_BUCKETS = 288


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _i(v: Any) -> int | None:
    return None if v is None else int(v)


def epoch_ms(dt: datetime | None) -> int | None:
    return None if dt is None else int(dt.timestamp() * 1000)


def bucket_for(since: datetime | None, until: datetime | None) -> int:
    """Timeline bucket in ms: 5 min, or wider so that a window has at most ~288 buckets."""
    if since is None or until is None:
        return 300_000
    span = max(1, epoch_ms(until) - epoch_ms(since))  # type: ignore[operator]
    b = 300_000
    while span / b > TIMELINE_BUCKETS:
        b *= 2
    return b


@dataclass
class Profile:
    """Merged groups of the profile and chains statements."""

    bucket_ms: int = 300_000
    calls: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    """(caller_gw, callee_gw, reason, endreason, direction, hkey, rtp) -> [n, hold_sum, cpdd_sum];
    hkey = drop duration (s) for drops, -1 other answered, 0 not answered."""
    timeline: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    """(callee_gw, bucket, status or 0 when answered, enddirection of a 487) -> n"""
    pdd: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    """(callee_gw, pdd // 100 ms) -> n"""
    chains: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    """(switch-ended gateway, midcall 0/1) -> [retried calls, chain groups]"""
    chains_known: bool = False
    tables: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def add_profile_rows(self, rows: list[tuple[Any, ...]]) -> None:
        for kind, s1, s2, s3, i1, i2, i3, i4, n, hold_sum, cpdd_sum in rows:
            kind, n = int(kind), int(n)
            if kind == sql.KIND_CALLS:
                key = (_s(s1), _s(s2), _s(s3), _i(i1), _i(i2), int(i3 or 0), _i(i4))
                acc = self.calls[key]
                acc[0] += n
                acc[1] += int(hold_sum or 0)
                acc[2] += int(cpdd_sum or 0)
            elif kind == sql.KIND_TIMELINE:
                self.timeline[(_s(s2), _i(i2), _i(i1), _i(i3))] += n
            elif kind == sql.KIND_PDD and i1 is not None:
                self.pdd[(_s(s2), int(i1))] += n

    def add_chain_rows(self, rows: list[tuple[Any, ...]]) -> None:
        self.chains_known = True
        for gw, midcall, chains, n in rows:
            acc = self.chains[(_s(gw), int(midcall))]
            acc[0] += int(chains or 0)
            acc[1] += int(n)

    @property
    def rows_received(self) -> int:
        return len(self.calls) + len(self.timeline) + len(self.pdd) + len(self.chains)


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
    for plan in source.plan(since, until):
        cm = source.columns(plan.table)
        f = sql.Filter(epoch_ms(since), epoch_ms(until), gateway, plan.exclude)
        prof.tables.append(plan.table)
        prof.missing = sorted(set(prof.missing) | set(cm.missing()))
        prof.add_profile_rows(
            source.execute(sql.profile(cm, plan.table, f, bucket, mysql=source.dialect == "mysql"))
        )
        stmt = sql.chains(cm, plan.table, f) if chains else None
        if stmt is not None:
            prof.add_chain_rows(source.execute(stmt))
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
    drops: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    """(side, gateway) -> {duration s: drops}; ("all", "") holds every drop."""
    drops_102: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)
    """As `drops`, only the drops whose normalised cause is Q.850 102."""
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
        if direction == 2:
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
    return s


def pdd_p50(prof: Profile, gateway: str | None = None) -> int | None:
    """Median callee-side PDD in ms (100 ms resolution) for one provider gateway or all."""
    hist: dict[int, int] = defaultdict(int)
    for (gw, b), n in prof.pdd.items():
        if b > 0 and (gateway is None or gw == gateway):
            hist[b] += n
    total = sum(hist.values())
    if not total:
        return None
    acc = 0
    for b in sorted(hist):
        acc += hist[b]
        if acc * 2 >= total:
            return b * sql.PDD_BUCKET_MS + sql.PDD_BUCKET_MS // 2
    return None


def iso_ms(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )
