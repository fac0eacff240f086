"""Detectors: turn CDR analytics (groups, histograms, timelines, chains) into findings.

Every detector compares a gateway with itself (its own background, its own baseline rate) or
with its peers; none expects a particular timer value. Severity follows the measured share of
the gateway's calls and the count; a healthy day yields no high or medium finding.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from dropwizard.cdr.analytics import Profile, Summary, iso_ms, pdd_p50
from dropwizard.diagnosis.finding import Finding, Severity, rank_findings
from dropwizard.diagnosis.fixes import recommendations
from dropwizard.diagnosis.histogram import (
    BAND_MIN_ONSET,
    Band,
    Hist,
    Spike,
    band_after,
    band_at,
    find_band,
    find_spikes,
)
from dropwizard.diagnosis.windows import best_window

ACK_RANGE = (31, 34)
"""Drops this long after answer are a 200 OK never ACKed (64*T1 = 32 s, RFC 3261 §13.3.1.4);
30 s is the RTP timeout of calls whose media never flowed (VOS3000's default)."""
REJECT_CLASSES: dict[str, frozenset[int]] = {
    "503": frozenset({503, 500, 502, -80}),
    "487": frozenset({487}),
    "486": frozenset({486, 600}),
    "480": frozenset({480}),
    "408": frozenset({408, 504}),
}
"""Rejection classes tracked per provider gateway (SIP statuses; -80 is VOS 'unreachable')."""
CLASS_CAUSES = {
    "503": "503/34/38/41",
    "487": "487",
    "486": "486/17",
    "480": "480/18",
    "408": "408/504/102",
}


VOS_DEFAULT_SE = 1800
"""VOS3000's default Session-Expires (the guide: calls that drop at 30 minutes)."""
IDLE_TIMEOUTS_S = (120, 180, 300)
"""UDP idle timeouts a fixed cut can match when no session timer explains it: conntrack's stream
timeout (120 s since Linux 5.0, 180 s before) and NAT bindings (RFC 4787 asks for 5 minutes)."""


def _readings(timer_s: int) -> list[tuple[int, str]]:
    """Every Session-Expires a drop at `timer_s` after answer can come from, and by which rule.

    RFC 4028 §10: BYE at SE - min(32, SE/3) after the last refresh; a refresh at SE/2 answered
    408/481 ends the call at once, or about 32 s later when it times out; draft -11 used a 10 s
    margin; some implementations end the call at SE itself."""
    rfc = timer_s + 32 if timer_s >= 64 else round(timer_s * 1.5)
    return [
        (rfc, "rfc4028"),
        (2 * (timer_s - 32), "refresh_failed"),
        (timer_s + 10, "draft11"),
        (2 * timer_s, "refresh_rejected"),
        (timer_s, "no_margin"),
    ]


def _round_se(se: int) -> bool:
    return se >= 90 and se % 30 == 0


def session_expires_for(timer_s: int) -> tuple[int, str]:
    """The Session-Expires a drop at `timer_s` after answer implies, and by which rule.

    The RFC rule wins when it gives a round SE (a multiple of 30 s); then any rule giving VOS3000's
    default 1800 s; then the first other rule giving a round SE; otherwise the RFC rule."""
    readings = _readings(timer_s)
    if _round_se(readings[0][0]):
        return readings[0]
    for se, rule in readings:
        if se == VOS_DEFAULT_SE:
            return se, rule
    return next(((se, r) for se, r in readings if _round_se(se)), readings[0])


def timer_explains(timer_s: int) -> bool:
    """Whether an RFC 4028 reading (the §10 margin, a failed refresh, the draft margin) turns a
    fixed cut at `timer_s` into a round Session-Expires."""
    return any(_round_se(se) for se, _ in _readings(timer_s)[:3])


def idle_timeout_for(timer_s: int) -> int | None:
    """The UDP idle timeout (IDLE_TIMEOUTS_S) a fixed cut at `timer_s` matches within 1 s, when no
    RFC 4028 reading gives a round Session-Expires."""
    if timer_explains(timer_s):
        return None
    return next((t for t in IDLE_TIMEOUTS_S if abs(timer_s - t) <= 1), None)


def _severity(excess: int, share: float, floor: int = 8) -> Severity:
    if excess >= 20 and share >= 0.01:
        return Severity.HIGH
    if excess >= floor and share >= 0.003:
        return Severity.MEDIUM
    return Severity.LOW


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %"


@dataclass
class Candidate:
    kind: str
    value: int
    side: str
    gateway: str
    excess: int
    calls: int
    share: float
    detail: Spike | Band
    extra: dict[str, Any] = field(default_factory=dict)


MIN_SESSION_TIMER_S = 60
"""The earliest the RFC 4028 §10 teardown ends an unrefreshed call: Session-Expires is at least
90 s, and the BYE comes at SE - min(32, SE/3) = 60 s for SE 90 s. (A refresh rejected at SE/2 could
end one at 45 s, but a narrow pile of drops before 60 s, outside the ACK window, is far more often
media that never flowed, cut at an RTP timeout.)"""
EDGE_S = 3
"""How far (s) a spike may sit from a band's onset and still be that band's leading edge."""
LEAD_AFTER_S = 10
"""How far after the onset find_band places a spike may be that band's leading edge: the onset is
refined at a 10 s scale and a stray drop just before the pile can open the band."""
CUT_KINDS = frozenset({"ack_timeout", "session_timer", "max_call_duration", "idle_timeout"})
"""Spike kinds that cut calls at one duration and start no band."""
FIXED_KINDS = frozenset({"session_timer", "max_call_duration", "idle_timeout"})
"""Of those, the kinds a band's leading edge can imitate on another gateway's histogram."""


def _has_tail(h: Hist, at: int, calls: int) -> bool:
    """Whether drops keep coming after a pile at `at`, above the level before it: a band's leading
    edge (an RTP timeout: calls whose media never flowed are cut right at it, the others later)
    rather than a timer that cuts at one duration and leaves nothing behind.

    Either over two minutes (at least half as many drops as the pile, three times the level
    before) or right after the onset: the next 30 s hold at least twice the drops of the 30 s
    before, significantly more, and a tenth of the pile."""
    post, _ = band_after(h, at)
    if post >= max(5, 0.5 * calls) and post >= 3 * h.sum(at - 120, at - 10) + 5:
        return True
    pre30, post30 = h.sum(at - 31, at - 1), h.sum(at + 2, at + 32)
    rise = post30 - pre30
    return post30 >= 2 * pre30 + 4 and rise >= 3 * math.sqrt(pre30 + 1) and rise >= 0.1 * calls


def _cut_at(h: Hist, s: Spike) -> int:
    """The second a fixed cut happens: the spike's tallest bin, or the one before it when that
    holds a good part of the pile too (holdtime is whole seconds: a cut at T lands on T or T+1)."""
    below = h.arr[s.at - 1] if s.at > 1 else 0
    return s.at - 1 if below >= max(1.0, 0.25 * h.arr[s.at]) else s.at


RTP_BEFORE_S = 120
"""Below this, a fixed cut that no Session-Expires reading (session_expires_for's rules) makes a
multiple of 30 s is read as media that never flowed, cut at an RTP timeout (peers use 30-120 s),
not as an odd timer."""


def _classify_spike(h: Hist, s: Spike, h102: Hist) -> tuple[str, int]:
    """(kind, value) of a spike: band (a band's edge), ack_timeout, rtp_timeout (media that
    never flowed, too early for a session timer), max_call_duration, idle_timeout (a UDP idle
    timeout that no Session-Expires explains) or session_timer.

    `h` should hold no other spike, so that a neighbour is not read as this one's tail."""
    if _has_tail(h, s.at, s.calls):
        return "band", s.at
    at = _cut_at(h, s)
    if ACK_RANGE[0] <= at <= ACK_RANGE[1]:
        return "ack_timeout", at
    if at < MIN_SESSION_TIMER_S:
        return "rtp_timeout", at
    round_at = next((d for d in (at, at + 1, at - 1) if d >= 300 and d % 60 == 0), None)
    c102 = h102.sum(s.at - 1, s.at + 2)
    if round_at is not None and c102 * 2 < s.calls:
        return "max_call_duration", round_at
    if c102 * 2 >= s.calls or round_at is None:
        idle = idle_timeout_for(at)
        if idle is not None:
            return "idle_timeout", idle
        if at < RTP_BEFORE_S and not any(_round_se(se) for se, _ in _readings(at)):
            return "rtp_timeout", at
        return "session_timer", at
    return "max_call_duration", round_at


def _is_pile(h: Hist, s: Spike) -> bool:
    """Whether a band's leading spike stands far above the band just after it: calls cut right at
    the onset (media that never flowed), not the first seconds of a decay that starts there (an
    idle timeout's drops are densest at its onset too, but only a few times the next 30 s)."""
    return s.calls >= 0.5 * h.sum(s.at + 2, s.at + 32) + 3


def _stands_out(h: Hist, s: Spike) -> bool:
    """Whether a spike inside a band stands far above the drops right beside it (±2-10 s), as a
    timer cutting calls at one duration does; the background of find_spikes reaches past the
    band's onset, where a band's own early seconds can look like a spike."""
    beside = h.sum(s.at - 10, s.at - 1) + h.sum(s.at + 2, s.at + 11)
    exp3 = 3 * beside / 18
    return s.calls >= 4 * exp3 + 3 and (s.calls - exp3) / math.sqrt(exp3 + 1) >= 4


def _band_from(h: Hist, at: int) -> Band | None:
    """The band whose leading edge is the spike at `at`: from it to where 90 % of the drops of the
    next 15 min have been seen, against the level of the two minutes before (as find_band)."""
    return band_at(h, at - 1 if at > 1 and h.arr[at - 1] else at)


def _band_kind(b: Band, side: str) -> str:
    if b.start < 60:
        return "rtp_timeout"
    if b.start <= 330:
        return "nat_keepalive_loss" if side == "caller" else "firewall_udp_timeout"
    return "rtp_timeout"


def _shared_drops(
    s: Summary,
    a: tuple[str, str],
    b: tuple[str, str],
    lo: int,
    hi: int,
) -> int:
    """Drops with lo <= duration < hi that histograms `a` and `b` (side, gateway) both hold."""
    if a[0] == "all" or b[0] == "all":
        inner = b if a[0] == "all" else a
        return Hist(s.drops.get(inner, {})).sum(lo, hi)
    if a[0] == b[0]:
        return Hist(s.drops.get(a, {})).sum(lo, hi) if a == b else 0
    caller, callee = (a[1], b[1]) if a[0] == "caller" else (b[1], a[1])
    return Hist(s.pair_drops.get((caller, callee), {})).sum(lo, hi)


def _edge_echoes(
    s: Summary, cands: list[Candidate], edges: list[tuple[str, str, int]]
) -> list[Candidate]:
    """Drop fixed-duration spikes made mostly of the drops at some gateway's band onset.

    A band on one gateway shows on every histogram that carries its calls (all drops, the peers
    on the other side); diluted there, its tail can vanish in the background and leave only the
    onset, which reads as a spike. A spike is such an echo when at least half of its excess lies
    on a gateway whose own histogram starts a band within EDGE_S of it."""
    out: list[Candidate] = []
    for c in cands:
        echo = False
        if c.kind in FIXED_KINDS and isinstance(c.detail, Spike):
            at = c.detail.at
            near = [
                (sd, gw)
                for sd, gw, t in edges
                if abs(at - t) <= EDGE_S and (sd, gw) != (c.side, c.gateway)
            ]
            echo = any(
                2 * _shared_drops(s, (c.side, c.gateway), g, at - 1, at + 2) >= c.excess
                for g in near
            )
        if not echo:
            out.append(c)
    return out


def _without(counts: dict[int, int], h: Hist, ats: list[int]) -> Hist:
    """`h` without the drops within ±1 s of the spikes at `ats`."""
    return Hist(counts, without=tuple(ats)) if ats else h


def duration_candidates(s: Summary) -> list[Candidate]:
    """Spikes and bands on every gateway's drop histogram (both sides) and on all drops.

    A spike at a band's onset is the band's leading edge, not a finding of its own; a band with
    such an edge is an RTP timeout (the calls whose media never flowed end right at it). A band
    is searched with the spikes of fixed cuts (ACK, session timer, maximum duration) left out."""
    out: list[Candidate] = []
    spikes_out: list[Candidate] = []
    edges: list[tuple[str, str, int]] = []
    for (side, gw), counts in s.drops.items():
        h = Hist(counts)
        h102 = Hist(s.drops_102.get((side, gw), {}))
        answered = s.answered if side == "all" else s.gateway(side, gw).answered
        if not answered:
            continue
        spikes = find_spikes(h)[:4]
        kinds = [
            _classify_spike(_without(counts, h, [o.at for o in spikes if o is not sp]), sp, h102)
            for sp in spikes
        ]
        narrow = [sp.at for sp, (k, _) in zip(spikes, kinds, strict=True) if k in CUT_KINDS]
        b = find_band(_without(counts, h, narrow))
        lead = (
            None
            if b is None
            else next((sp for sp in spikes if -EDGE_S <= sp.at - b.start <= LEAD_AFTER_S), None)
        )
        if lead is not None and lead.at in narrow:
            narrow.remove(lead.at)
            b = find_band(_without(counts, h, narrow)) or b
        hb = _without(counts, h, narrow)
        edge = next(
            (
                sp
                for sp, (k, _) in zip(spikes, kinds, strict=True)
                if k == "band" and sp.at >= BAND_MIN_ONSET
            ),
            None,
        )
        if b is None and edge is not None:
            b = _band_from(hb, edge.at)
            lead = edge if b is not None else None
        pile = False
        if b is not None and lead is not None and _is_pile(hb, lead):
            pile = True
            if abs(b.start - lead.at) > 1:  # the onset is the pile, not a stray drop before it
                b = _band_from(hb, lead.at) or b
        if side != "all":
            onsets = [
                sp.at
                for sp, (k, _) in zip(spikes, kinds, strict=True)
                if k in ("band", "rtp_timeout")
            ]
            edges += [(side, gw, t) for t in onsets + ([b.start] if b is not None else [])]
        if b is not None:
            out.append(
                Candidate(
                    "rtp_timeout" if pile else _band_kind(b, side),
                    b.start,
                    side,
                    gw,
                    b.excess,
                    b.calls,
                    b.excess / answered,
                    b,
                )
            )
        for sp, (kind, value) in zip(spikes, kinds, strict=True):
            inside = b is not None and b.start - 1 <= sp.at <= b.end
            if kind != "band" and sp is not lead and (not inside or _stands_out(h, sp)):
                spikes_out.append(
                    Candidate(kind, value, side, gw, sp.excess, sp.calls, sp.excess / answered, sp)
                )
    return out + _edge_echoes(s, spikes_out, edges)


def _pick(
    cands: list[Candidate],
    scoped: tuple[str, str, int] | None = None,
    owned: frozenset[tuple[str, str]] = frozenset(),
) -> list[Candidate]:
    """One candidate per (kind, value ±3 s): the gateway where it is most concentrated.

    `scoped` is (side, gateway, answered) of a gateway scope: every call in it is that gateway's,
    so a pattern seen on a peer (which carries part of its calls) is reported on it, with the
    numbers over all of its calls where the group has them, unless the peer shows the pattern on
    its own over the whole window (`owned`: (finding id, gateway) pairs found there)."""
    groups: list[list[Candidate]] = []
    for c in sorted(cands, key=lambda c: -c.excess):
        for g in groups:
            bandish = {"rtp_timeout", "nat_keepalive_loss", "firewall_udp_timeout", "ack_timeout"}
            same_kind = g[0].kind == c.kind or {g[0].kind, c.kind} <= bandish
            tol = max(10, g[0].value // 5) if isinstance(g[0].detail, Band) else 3
            if same_kind and abs(g[0].value - c.value) <= tol:
                g.append(c)
                break
        else:
            groups.append([c])
    picked: list[Candidate] = []
    for g in groups:
        overall = next((c for c in g if c.side == "all"), None)
        gws = [c for c in g if c.side != "all"]
        holders = [c for c in gws if overall is None or c.excess >= 0.6 * overall.excess]
        best = max(
            holders, key=lambda c: (isinstance(c.detail, Band), c.share, c.excess), default=None
        )
        if (
            best is not None
            and scoped is not None
            and best.gateway != scoped[1]
            and (finding_id(best.kind, best.side), best.gateway) not in owned
        ):
            side, name, answered = scoped
            src = (
                overall
                if overall is not None and isinstance(overall.detail, type(best.detail))
                else best
            )
            best = Candidate(
                best.kind,
                src.value,
                side,
                name,
                src.excess,
                src.calls,
                src.excess / answered if answered else 0.0,
                src.detail,
            )
        if best is not None:
            if best.kind in ("nat_keepalive_loss", "firewall_udp_timeout") and isinstance(
                best.detail, Band
            ):
                best.kind = _band_kind(best.detail, best.side)
            picked.append(best)
        elif overall is not None:
            picked.append(overall)
    return picked


def _duration_finding(c: Candidate, s: Summary, fixes: Any) -> Finding:
    gw = c.gateway or None
    side = c.side if c.side != "all" else None
    answered = s.answered if c.side == "all" else s.gateway(c.side, c.gateway).answered
    calls = s.calls if c.side == "all" else s.gateway(c.side, c.gateway).calls
    where = f"on {c.side} gateway {c.gateway}" if gw else "across all gateways"
    sev = _severity(c.excess, c.share, 8 if isinstance(c.detail, Spike) else 12)
    px = s.drops_proxied.get((c.side, c.gateway), [0, 0])
    proxied_share = px[1] / px[0] if px[0] else None
    data: dict[str, Any] = {
        "share": round(c.excess / calls, 4) if calls else 0.0,
        "answered_share": round(c.share, 4),
        "gateway_calls": calls,
        "gateway_answered": answered,
    }
    conf = min(0.95, 0.5 + c.detail.z / 40)
    ev: list[str] = []
    if isinstance(c.detail, Spike):
        sp = c.detail
        ev.append(
            f"{sp.calls} answered calls {where} were ended by the switch or with cause 102 within "
            f"±1 s of {sp.at} s after answer, against {sp.expected:.1f} expected from the "
            f"neighbouring durations ({_pct(c.share)} of its answered calls)."
        )
        data.update(
            {"spike_s": c.value, "spike_calls": sp.calls, "expected": round(sp.expected, 2)}
        )
    else:
        b = c.detail
        ev.append(
            f"{b.calls} drops {where} pile up from {b.start} s after answer to {b.end} s, against "
            f"{b.expected:.1f} expected at the level before {b.start} s "
            f"({_pct(c.share)} of its answered calls)."
        )
        data.update({"band_start_s": b.start, "band_end_s": b.end, "band_calls": b.calls})
    if proxied_share is not None:
        data["proxied_share"] = round(proxied_share, 3)
    fid = finding_id(c.kind, c.side)
    if c.kind == "session_timer":
        se, rule = session_expires_for(c.value)
        data.update({"timer_s": c.value, "implied_session_expires": se, "rule": rule})
        if rule == "rfc4028":
            ev.append(
                f"Under RFC 4028 §10 a BYE comes at SE - min(32, SE/3) after the last refresh: "
                f"{c.value} s implies Session-Expires {se} s with no refresh reaching the far side."
            )
        elif rule == "refresh_failed":
            ev.append(
                f"{c.value} s is SE/2 + 32 s for Session-Expires {se} s: the refresh sent at half "
                "the interval got no answer and the session ended when its transaction timed out."
            )
        elif rule == "refresh_rejected":
            ev.append(
                f"{c.value} s is SE/2 for Session-Expires {se} s: the refresh sent at half the "
                "interval was answered 408 or 481 and the call ended at once (RFC 4028 §10)."
            )
        elif rule == "no_margin":
            ev.append(
                f"{c.value} s is Session-Expires {se} s itself: the session expired unrefreshed "
                "and the switch ended it at expiry, with no margin (the guide's 30-minute drop)."
            )
        else:
            ev.append(f"{c.value} s is Session-Expires {se} s minus 10 s (the draft -11 margin).")
        title = f"Session timer expiry at {c.value} s (Session-Expires {se} s)"
    elif c.kind == "ack_timeout":
        data["timer_s"] = c.value
        ev.append(
            "A drop about 32 s after answer is RFC 3261 64*T1: the 200 OK was never ACKed "
            "(NAT, Record-Route or Contact trouble), not an RTP timeout."
        )
        title = f"ACK timeout: calls end {c.value} s after answer"
    elif c.kind == "max_call_duration":
        data["value_s"] = c.value
        ev.append(
            f"{c.value} s is a round value: a configured maximum call duration "
            "(maxCallDurationLower/Upper per gateway, or a system limit) cuts these calls."
        )
        title = f"Calls cut at a maximum call duration of {c.value} s"
    elif c.kind == "rtp_timeout":
        start = c.value
        data.update({"rtp_timeout_s": start, "window": None})
        if proxied_share is not None and proxied_share < 0.5:
            ev.append(
                f"Only {_pct(proxied_share)} of these drops had media proxied (rtpforward): "
                "without proxy VOS3000 cannot see RTP stop, so the 102 comes from the far end's "
                "media timeout, or a NAT path is dropping media."
            )
        elif isinstance(c.detail, Spike):
            ev.append(
                f"The drops stack at {start} s after answer, before the 60 s at which the "
                f"smallest Session-Expires (90 s, RFC 4028) ends an unrefreshed call: calls whose "
                f"media never flowed, cut at an RTP timeout of about {start} s."
            )
        else:
            ev.append(
                f"The band starts {start} s after answer: an RTP timeout of about {start} s "
                "(drops right at it when media never flowed, later when it stopped mid-call)."
            )
        title = f"RTP timeout: drops from {start} s after answer"
    elif c.kind == "idle_timeout":
        data.update({"idle_timeout_s": c.value, "timer_s": c.detail.at})
        device = "a NAT binding" if fid == "nat_keepalive_loss" else "a firewall or conntrack entry"
        ev.append(
            f"{c.detail.at} s matches a UDP idle timeout ({c.value} s: conntrack's stream timeout "
            "is 120 s since Linux 5.0 and 180 s before, NAT bindings often 120-300 s), and no "
            f"RFC 4028 Session-Expires gives it: {device} forgot the call's flow after "
            f"{c.value} s of silence."
        )
        what = "NAT binding" if fid == "nat_keepalive_loss" else "Firewall UDP"
        title = f"{what} idle timeout: calls end {c.detail.at} s after answer"
    elif c.kind == "firewall_udp_timeout":
        data["idle_timeout_s"] = c.value
        ev.append(
            f"Drops start {c.value} s after answer: media idle (hold, silence suppression, one "
            "side muted) longer than a firewall or conntrack UDP timeout closes its pinhole; the "
            "media that follows is dropped and the call ends at the RTP timeout."
        )
        title = f"Firewall UDP timeout: drops from {c.value} s after answer"
    else:
        data["binding_s"] = c.value
        ev.append(
            f"Drops start {c.value} s after answer on a customer-side gateway: a NAT binding "
            "expiring without keepalives (CPE routers often use 30-60 s)."
        )
        title = f"NAT keepalive loss: drops from {c.value} s after answer"
    return Finding(
        id=fid,
        title=title,
        severity=sev,
        confidence=round(conf, 2),
        gateway=gw,
        side=side,
        calls=c.excess,
        evidence=ev,
        recommendations=recommendations(
            fid, fixes, {f"cdr.durations.{k}": v for k, v in data.items() if v is not None}
        ),
        data=data,
    )


# -- providers ------------------------------------------------------------------------------
@dataclass
class Burst:
    gateway: str
    klass: str
    start_ms: int
    end_ms: int
    rejected: int
    attempts: int
    baseline: float
    z: float

    @property
    def rate(self) -> float:
        return self.rejected / self.attempts if self.attempts else 0.0

    @property
    def excess(self) -> int:
        return max(0, round(self.rejected - self.attempts * self.baseline))


def provider_series(prof: Profile) -> dict[str, dict[int, dict[str, int]]]:
    """gateway -> bucket -> {"attempts": n, class: rejected, "487_caller": n}"""
    out: dict[str, dict[int, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for (gw, bucket, status, dir487), n in prof.timeline.items():
        if not gw or bucket is None:
            continue
        cell = out[gw][bucket]
        cell["attempts"] += n
        if status is None or status == 0:
            continue
        for k, codes in REJECT_CLASSES.items():
            if status in codes:
                cell[k] += n
        if status == 487 and dir487 == 0:
            cell["487_caller"] += n
    return out


def _flag(series: dict[int, dict[str, int]], k: str, base: float) -> list[list[int]]:
    """Runs of buckets (gaps of at most one bucket) whose `k` rate stands out above `base`."""
    flagged = []
    for b in sorted(series):
        a, r = series[b]["attempts"], series[b][k]
        if a and r >= 3 and r / a >= base + 0.1 and _z(r, a, base) >= 3:
            flagged.append(b)
    runs: list[list[int]] = []
    for b in flagged:
        if runs and b - runs[-1][-1] <= 2:
            runs[-1].append(b)
        else:
            runs.append([b])
    return runs


def _baseline(series: dict[int, dict[str, int]], k: str) -> float:
    """A gateway's usual `k` rate: the median bucket rate, then the pooled rate of the buckets
    outside the runs that stand out above it (the median of small buckets' rates runs low)."""
    buckets = sorted(series)
    A = sum(series[b]["attempts"] for b in buckets)
    R = sum(series[b][k] for b in buckets)
    rates = [series[b][k] / series[b]["attempts"] for b in buckets if series[b]["attempts"] >= 5]
    base = median(rates) if len(rates) >= 6 else R / A
    base = max(base, 0.2 * R / A, 0.002)
    out = {b for run in _flag(series, k, base) for b in range(run[0] - 1, run[-1] + 2)}
    a_in = sum(series[b]["attempts"] for b in buckets if b not in out)
    r_in = sum(series[b][k] for b in buckets if b not in out)
    return max(base, r_in / a_in) if a_in else base


def find_bursts(prof: Profile) -> list[Burst]:
    bursts: list[Burst] = []
    for gw, series in provider_series(prof).items():
        for k in REJECT_CLASSES:
            A = sum(v["attempts"] for v in series.values())
            R = sum(v[k] for v in series.values())
            if A < 20 or R < 5:
                continue
            base = _baseline(series, k)
            spans = [(run[0], run[-1]) for run in _flag(series, k, base)]
            # a long burst on a quiet route stands out over its run, not in any one bucket
            sparse = best_window(((b, v["attempts"], v[k]) for b, v in series.items()), base + 0.1)
            found: list[Burst] = []
            for lo, hi in spans + ([sparse] if sparse else []):
                a = sum(series[b]["attempts"] for b in range(lo, hi + 1) if b in series)
                r = sum(series[b][k] for b in range(lo, hi + 1) if b in series)
                z = _z(r, a, base)
                if z >= 5 and r - a * base >= 10:
                    ms = prof.bucket_ms
                    found.append(Burst(gw, k, lo * ms, (hi + 1) * ms, r, a, base, z))
            kept: list[Burst] = []
            for b in sorted(found, key=lambda b: -b.excess):
                if all(b.end_ms <= o.start_ms or b.start_ms >= o.end_ms for o in kept):
                    kept.append(b)
            bursts += kept
    bursts.sort(key=lambda b: -b.excess)
    return bursts


def _z(r: float, a: float, p: float) -> float:
    return (r - a * p) / math.sqrt(a * p * (1 - p) + 1.0)


def chronic_rejections(prof: Profile) -> list[dict[str, Any]]:
    """Gateways whose whole-window rate of a class is far above their peers' (e.g. PDD 487s)."""
    series = provider_series(prof)
    totals: dict[str, dict[str, int]] = {}
    for gw, s in series.items():
        t: dict[str, int] = defaultdict(int)
        for cell in s.values():
            for k, v in cell.items():
                t[k] += v
        totals[gw] = t
    out = []
    for k in REJECT_CLASSES:
        for gw, t in totals.items():
            a = t["attempts"]
            r = t[k] - (t["487_caller"] if k == "487" else 0)
            peers = [
                (p[k] - (p["487_caller"] if k == "487" else 0)) / p["attempts"]
                for g, p in totals.items()
                if g != gw and p["attempts"] >= 20
            ]
            if a < 50 or not peers:
                continue
            peer = median(peers)
            rate = r / a
            if (
                r >= 20
                and rate >= 0.05
                and rate >= 3 * peer + 0.02
                and _z(r, a, max(peer, 0.002)) >= 5
            ):
                out.append(
                    {
                        "gateway": gw,
                        "class": k,
                        "rejected": r,
                        "attempts": a,
                        "rate": rate,
                        "peer_rate": peer,
                        "caller_cancels": t["487_caller"],
                    }
                )
    return out


def provider_findings(
    prof: Profile, s: Summary, fixes: Any, refine: Callable[[Burst], Burst] | None = None
) -> list[Finding]:
    """Rejection bursts against each gateway's own baseline, then chronic rejection rates.

    `refine` places a burst's window to the minute (the timeline's buckets are coarser)."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for b in find_bursts(prof):
        if (b.gateway, b.klass) in seen:
            continue
        seen.add((b.gateway, b.klass))
        if refine is not None:
            b = refine(b)
        g = s.gateway("callee", b.gateway)
        sev = (
            Severity.HIGH
            if b.excess >= 50 and b.rate - b.baseline >= 0.25
            else Severity.MEDIUM
            if b.excess >= 15 and b.rate - b.baseline >= 0.1
            else Severity.LOW
        )
        window = {"start": iso_ms(b.start_ms), "end": iso_ms(b.end_ms)}
        out.append(
            Finding(
                id="provider_rejection",
                title=f"{b.gateway}: burst of {CLASS_CAUSES[b.klass]} rejections",
                severity=sev,
                confidence=round(min(0.95, 0.55 + b.z / 50), 2),
                gateway=b.gateway,
                side="callee",
                calls=b.excess,
                evidence=[
                    f"From {window['start']} to {window['end']} provider gateway {b.gateway} rejected "
                    f"{b.rejected} of {b.attempts} attempts ({_pct(b.rate)}) with "
                    f"{CLASS_CAUSES[b.klass]}, against its own baseline of {_pct(b.baseline)}.",
                    f"That is about {b.excess} rejections above baseline; outside the window the "
                    "gateway behaves normally, so the provider had a capacity or outage episode.",
                ],
                recommendations=recommendations("provider_rejection", fixes),
                data={
                    "status": b.klass,
                    "window": window,
                    "baseline_rate": round(b.baseline, 4),
                    "burst_rate": round(b.rate, 4),
                    "rejected": b.rejected,
                    "attempts": b.attempts,
                    "share": round(b.excess / g.calls, 4) if g.calls else 0.0,
                    "pdd_p50_ms": pdd_p50(prof, b.gateway),
                },
            )
        )
    for c in chronic_rejections(prof):
        if (c["gateway"], c["class"]) in seen:
            continue
        seen.add((c["gateway"], c["class"]))
        excess = round(c["rejected"] - c["attempts"] * c["peer_rate"])
        sev = Severity.HIGH if c["rate"] >= 0.1 and excess >= 50 else Severity.MEDIUM
        ev = [
            f"Provider gateway {c['gateway']} rejected {c['rejected']} of {c['attempts']} attempts "
            f"({_pct(c['rate'])}) with {CLASS_CAUSES[c['class']]} over the whole window, against "
            f"{_pct(c['peer_rate'])} on the other provider gateways."
        ]
        pdd = pdd_p50(prof, c["gateway"])
        if c["class"] == "487":
            ev.append(
                f"These 487s were not cancelled by the caller ({c['caller_cancels']} caller "
                f"cancels are excluded): the switch CANCELled the attempts itself, typically a PDD "
                f"or ring timeout (median PDD {pdd} ms) or a failover to the next gateway."
            )
        out.append(
            Finding(
                id="provider_rejection",
                title=f"{c['gateway']}: {CLASS_CAUSES[c['class']]} rejections far above its peers",
                severity=sev,
                confidence=0.7,
                gateway=c["gateway"],
                side="callee",
                calls=excess,
                evidence=ev,
                recommendations=recommendations("provider_rejection", fixes),
                data={
                    "status": c["class"],
                    "rate": round(c["rate"], 4),
                    "peer_rate": round(c["peer_rate"], 4),
                    "rejected": c["rejected"],
                    "attempts": c["attempts"],
                    "share": round(c["rejected"] / c["attempts"], 4),
                    "pdd_p50_ms": pdd,
                    "window": None,
                },
            )
        )
    return out


# -- chains ---------------------------------------------------------------------------------
def failover_findings(prof: Profile, s: Summary, fixes: Any) -> list[Finding]:
    out = []
    per_gw: dict[str, int] = defaultdict(int)
    for (gw, midcall), (_chains, n) in prof.chains.items():
        if midcall and gw:
            per_gw[gw] += n
    for gw, m in sorted(per_gw.items(), key=lambda kv: -kv[1]):
        g = s.gateway("callee", gw)
        share = m / g.answered if g.answered else 0.0
        sev = _severity(m, share)
        if m < 5:
            continue
        out.append(
            Finding(
                id="failover_switch",
                title=f"Mid-call gateway switches away from {gw}",
                severity=sev,
                confidence=0.75,
                gateway=gw,
                side="callee",
                calls=m,
                evidence=[
                    f"{m} answered calls on {gw} were ended by the switch and the same call "
                    f"(flownofirst) was retried on another provider gateway within seconds "
                    f"({_pct(share)} of its answered calls).",
                    "A B2BUA cannot move an answered call: the first leg is torn down (BYE, often "
                    "labelled 41) and the caller hears a drop; check the switchAllow* failover settings.",
                ],
                recommendations=recommendations("failover_switch", fixes),
                data={
                    "midcall_switches": m,
                    "share": round(m / g.calls, 4) if g.calls else 0.0,
                    "answered_share": round(share, 4),
                },
            )
        )
    return out


def normal_finding(s: Summary, fixes: Any) -> Finding | None:
    if not s.answered:
        return None
    normal = s.causes_answered.get(16, 0) + s.causes_answered.get(31, 0)
    share = normal / s.answered
    return Finding(
        id="normal_clearing",
        title="Normal clearing dominates answered calls",
        severity=Severity.INFO,
        confidence=round(min(0.95, share), 2),
        calls=normal,
        evidence=[
            f"{normal} of {s.answered} answered calls ({_pct(share)}) ended with Q.850 16/31 "
            f"normal clearing; {s.dropped} ({_pct(s.dropped / s.answered)}) were ended by the "
            "switch or with cause 102."
        ],
        recommendations=recommendations("normal_clearing", fixes),
        data={"normal_share": round(share, 4), "dropped": s.dropped},
    )


def finding_id(kind: str, side: str) -> str:
    """The finding id of a candidate kind: a UDP idle timeout is a NAT binding on the customer
    side and a firewall's on the provider side (or across all gateways)."""
    if kind == "session_timer":
        return "session_timer_expiry"
    if kind == "idle_timeout":
        return "nat_keepalive_loss" if side == "caller" else "firewall_udp_timeout"
    return kind


def detect(
    prof: Profile,
    s: Summary,
    fixes: Any = None,
    gateway: str | None = None,
    owned: frozenset[tuple[str, str]] = frozenset(),
    refine: Callable[[Burst], Burst] | None = None,
) -> list[Finding]:
    """Every detector over one analysed window (or one gateway's calls), most important first.

    `refine` places rejection bursts to the minute (it reads the source; None keeps buckets)."""
    scoped = None
    if gateway:
        side = max(
            ("caller", "callee"),
            key=lambda sd: s.gateways[(sd, gateway)].calls if (sd, gateway) in s.gateways else -1,
        )
        scoped = (side, gateway, s.gateway(side, gateway).answered)
    findings = [
        _duration_finding(c, s, fixes) for c in _pick(duration_candidates(s), scoped, owned)
    ]
    findings += provider_findings(prof, s, fixes, refine)
    findings += failover_findings(prof, s, fixes)
    if s.calls and not any(f.severity.rank >= Severity.MEDIUM.rank for f in findings):
        nf = normal_finding(s, fixes)
        if nf is not None:
            findings.append(nf)
    return rank_findings(findings)
