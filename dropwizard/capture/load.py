"""OPTIONS keepalives per target and SIP load per source (rates, scanner User-Agents)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dropwizard.capture.sip import SipMessage

SCANNER_UAS = (
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "sip-scan",
    "sipscan",
    "vaxsipuseragent",
    "pplsip",
    "iwar",
    "sundayddr",
    "smap",
    "voip-scanner",
    "svwar",
    "svmap",
)
UNANSWERED_AFTER_S = 32.0
"""An OPTIONS with no answer counts as unanswered once the next one to the same target was sent,
or after Timer F (64*T1); the last ones of a capture stay pending until then."""


@dataclass
class OptionsTarget:
    """OPTIONS sent to one address: answers, RTTs, unanswered streaks."""

    target: str
    sent: int = 0
    retransmissions: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    txns: list[list[Any]] = field(default_factory=list)
    """[sent_at, answered_at or None, status or None] in send order."""
    agents: set[str] = field(default_factory=set)

    MAX_TXNS = 20_000

    def summary(self, capture_end: float) -> dict[str, Any]:
        rtts = [(a - s) * 1000.0 for s, a, _st in self.txns if a is not None]
        answered = len(rtts)
        streak = best = 0
        start = best_start = best_end = None
        pending = 0
        last_sent = self.txns[-1][0] if self.txns else 0.0
        for s, a, _st in self.txns:
            if a is None and s >= last_sent and capture_end - s < UNANSWERED_AFTER_S:
                pending += 1
                continue
            if a is None:
                if streak == 0:
                    start = s
                streak += 1
                if streak > best:
                    best, best_start, best_end = streak, start, s
            else:
                streak = 0
        rtts.sort()
        return {
            "target": self.target,
            "sent": self.sent,
            "answered": answered,
            "unanswered": self.sent - answered - pending,
            "pending_at_end": pending,
            "retransmissions": self.retransmissions,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "rtt_ms": {
                "min": round(rtts[0], 1),
                "p50": round(rtts[len(rtts) // 2], 1),
                "max": round(rtts[-1], 1),
                "mean": round(sum(rtts) / len(rtts), 1),
            }
            if rtts
            else None,
            "longest_unanswered_streak": best,
            "streak_start": best_start,
            "streak_end": best_end,
            "current_unanswered_streak": streak,
        }


class OptionsTracker:
    """Matches OPTIONS requests and responses by Call-ID and CSeq."""

    def __init__(self) -> None:
        self.targets: dict[str, OptionsTarget] = {}
        self.open: dict[tuple[str, int], list[Any]] = {}

    def on_message(self, t: float, src: str, dst: str, msg: SipMessage) -> None:
        cseq, _m = msg.cseq
        key = (msg.call_id, cseq)
        if msg.method:
            if key in self.open:
                tgt = self.targets.get(dst)
                if tgt:
                    tgt.retransmissions += 1
                return
            tgt = self.targets.get(dst)
            if tgt is None:
                tgt = self.targets[dst] = OptionsTarget(dst)
            tgt.sent += 1
            ua = msg.get("user-agent")
            if ua:
                tgt.agents.add(ua[:80])
            rec = [t, None, None]
            if len(tgt.txns) < OptionsTarget.MAX_TXNS:
                tgt.txns.append(rec)
            self.open[key] = rec
            if len(self.open) > 50_000:
                for k in list(self.open)[:25_000]:
                    del self.open[k]
            return
        rec = self.open.get(key)
        status = msg.status or 0
        if rec is None or status < 200 or rec[1] is not None:
            return
        rec[1], rec[2] = t, status
        tgt = self.targets.get(src)
        if tgt is not None:
            tgt.statuses[status] = tgt.statuses.get(status, 0) + 1

    def summaries(self, capture_end: float) -> list[dict[str, Any]]:
        return [t.summary(capture_end) for t in self.targets.values()]


@dataclass
class SourceLoad:
    """SIP packets from one source address."""

    packets: int = 0
    requests: int = 0
    second: int = -1
    in_second: int = 0
    peak_pps: int = 0
    busy_seconds: int = 0
    methods: dict[str, int] = field(default_factory=dict)
    agents: set[str] = field(default_factory=set)


class LoadTracker:
    """SIP packet rate per source IP and scanner User-Agents."""

    def __init__(self, flood_pps: int = 100) -> None:
        self.flood_pps = flood_pps
        self.sources: dict[str, SourceLoad] = {}
        self.total = 0
        self.scanners: dict[str, dict[str, Any]] = {}

    def on_message(self, t: float, src_ip: str, msg: SipMessage) -> None:
        self.total += 1
        s = self.sources.get(src_ip)
        if s is None:
            if len(self.sources) > 100_000:
                return
            s = self.sources[src_ip] = SourceLoad()
        s.packets += 1
        sec = int(t)
        if sec != s.second:
            if s.in_second >= self.flood_pps:
                s.busy_seconds += 1
            s.second, s.in_second = sec, 0
        s.in_second += 1
        if s.in_second > s.peak_pps:
            s.peak_pps = s.in_second
        if msg.method:
            s.requests += 1
            s.methods[msg.method] = s.methods.get(msg.method, 0) + 1
            ua = msg.get("user-agent")
            if ua:
                low = ua.lower()
                if len(s.agents) < 20:
                    s.agents.add(ua[:80])
                if any(k in low for k in SCANNER_UAS):
                    e = self.scanners.setdefault(ua[:80], {"packets": 0, "sources": set()})
                    e["packets"] += 1
                    if len(e["sources"]) < 100:
                        e["sources"].add(src_ip)

    def finish(self) -> None:
        for s in self.sources.values():
            if s.in_second >= self.flood_pps:
                s.busy_seconds += 1
            s.in_second = 0

    def flooding(self) -> list[tuple[str, SourceLoad]]:
        return [(ip, s) for ip, s in self.sources.items() if s.busy_seconds >= 3]

    def summary(self, duration: float) -> dict[str, Any]:
        top = sorted(self.sources.items(), key=lambda kv: -kv[1].packets)[:10]
        return {
            "sip_packets": self.total,
            "sip_pps": round(self.total / duration, 1) if duration > 0 else None,
            "flood_pps_threshold": self.flood_pps,
            "sources": [
                {
                    "src": ip,
                    "packets": s.packets,
                    "requests": s.requests,
                    "peak_pps": s.peak_pps,
                    "busy_seconds": s.busy_seconds,
                    "methods": dict(sorted(s.methods.items(), key=lambda kv: -kv[1])),
                }
                for ip, s in top
            ],
            "scanners": [
                {"user_agent": ua, "packets": e["packets"], "sources": sorted(e["sources"])}
                for ua, e in self.scanners.items()
            ],
            "flood": bool(self.flooding() or self.scanners),
        }
