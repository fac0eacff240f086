"""Detectors that turn capture facts into findings with call-ids and times as evidence."""

from __future__ import annotations

import ipaddress
import statistics
from datetime import datetime, timezone
from typing import Any

from dropwizard.capture.dialogs import Call, teardown_margin
from dropwizard.capture.media import DIRECTIONS
from dropwizard.diagnosis.finding import Finding, Severity, rank_findings

REJECT_STATUSES = (503, 486, 480, 408, 487)
ACK_WINDOW = (28.0, 40.0)
"""A BYE this long after an un-ACKed 200 OK is the 64*T1 = 32 s drop: the UAS core gives up
retransmitting the 200 (RFC 3261 §13.3.1.4; Timer H is the same 64*T1 for non-2xx answers)."""
EVIDENCE_CAP = 10


def clock(t: float | None) -> str:
    """HH:MM:SS.mmm UTC of an epoch time."""
    if t is None:
        return "?"
    try:
        dt = datetime.fromtimestamp(t, timezone.utc)
    except (ValueError, OverflowError, OSError):
        return f"{t:.3f}"
    return dt.strftime("%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"


PRIVATE_NETS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def is_private(addr: str) -> bool:
    """RFC 1918, carrier-grade NAT (RFC 6598) and unique-local IPv6 addresses."""
    try:
        ip = ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in PRIVATE_NETS)


def _ip(addr: str) -> str:
    return addr.rpartition(":")[0].strip("[]") if addr else ""


def detect(
    calls: list[Call],
    media: dict[str, dict[str, Any]],
    options: list[dict[str, Any]],
    load: dict[str, Any],
    capture_end: float,
) -> list[Finding]:
    """All capture findings, most important first."""
    out: list[Finding] = []
    for fn in (_rtp_timeout, _session_timer, _ack_timeout):
        f = fn(calls, media, capture_end)
        if f:
            out.append(f)
    f = _nat(calls, media, options)
    if f:
        out.append(f)
    f = _rejections(calls)
    if f:
        out.append(f)
    f = _flood(load)
    if f:
        out.append(f)
    return rank_findings(out)


def _rtp_timeout(
    calls: list[Call], media: dict[str, dict[str, Any]], capture_end: float
) -> Finding | None:
    strong: list[str] = []
    weak: list[str] = []
    lines: list[str] = []
    timeouts: list[float] = []
    causes: dict[str, int] = {}
    sides: dict[str, int] = {}
    for c in calls:
        m = media.get(c.call_id)
        if not m or c.bye is None or c.answered_t is None:
            continue
        for d in DIRECTIONS:
            info = m[d]
            if info["state"] not in ("stopped", "missing"):
                continue
            lost_side = d.split("->")[1]
            if info["state"] == "stopped":
                gap = c.bye.t - info["last"]
                what = f"RTP {d} stopped at {clock(info['last'])}"
            else:
                gap = c.bye.t - c.answered_t
                what = f"no RTP {d} at all"
            cause = c.bye.q850()
            by_loser = c.bye.by == lost_side
            (strong if by_loser else weak).append(c.call_id)
            if by_loser:
                timeouts.append(round(gap, 1))
                sides[lost_side] = sides.get(lost_side, 0) + 1
            if cause is not None:
                causes[str(cause)] = causes.get(str(cause), 0) + 1
            if len(lines) < EVIDENCE_CAP:
                reason = f", Reason {c.bye.reason_text()}" if c.bye.reasons else ""
                lines.append(
                    f"call {c.call_id}: {what}; BYE from the {c.bye.by} at {clock(c.bye.t)}, "
                    f"{gap:.1f} s later{reason}"
                )
            break
    if not strong and not weak:
        return None
    n102 = causes.get("102", 0)
    conf = 0.9 if strong and n102 else (0.75 if strong else 0.45)
    side = max(sides, key=lambda k: sides[k]) if sides else None
    data: dict[str, Any] = {
        "call_ids": (strong + weak)[:100],
        "bye_from_side_that_lost_media": len(strong),
        "bye_from_other_side": len(weak),
        "causes": causes,
    }
    if timeouts:
        data["timeout_s"] = statistics.median(timeouts)
        data["timeouts_s"] = timeouts[:100]
    if strong:
        lines.append(
            f"{len(strong)} call(s) ended by the side that stopped receiving media "
            f"(median {data['timeout_s']:.1f} s after the last packet); {n102} with cause 102"
        )
    return Finding(
        id="rtp_timeout",
        title="Media stopped, then the call was torn down by the side that lost it",
        severity=Severity.HIGH if strong else Severity.MEDIUM,
        confidence=conf,
        side=side,
        calls=len(strong) + len(weak),
        evidence=lines,
        recommendations=[
            "CHECK: the path of the stopped direction (NAT binding, firewall, media proxy) at the "
            "time the last packet was seen",
            "CHECK: the RTP timeout configured on the side that sent the BYE",
        ],
        data=data,
    )


def _session_timer(
    calls: list[Call], media: dict[str, dict[str, Any]], capture_end: float
) -> Finding | None:
    hits: list[str] = []
    lines: list[str] = []
    timers: list[int] = []
    strong = 0
    for c in calls:
        if c.answered_t is None:
            continue
        refreshes = c.refreshes()
        unanswered = [r for r in refreshes if not r["answered"] or r["status"] in (408, 481)]
        st = c.session_timer()
        near = False
        if c.bye is not None and st and st["teardown_at"] is not None:
            tol = max(2.0, 0.02 * c.se) if c.se else 2.0
            near = st["teardown_at"] - tol <= c.bye.t <= st["expires_at"] + tol
        if c.bye is None or not (unanswered or near):
            continue
        after_bad = [r for r in unanswered if r["at"] <= c.bye.t]
        if not after_bad and not near:
            continue
        hits.append(c.call_id)
        if after_bad and near:
            strong += 1
        if c.se:
            timers.append(c.se)
        if len(lines) < EVIDENCE_CAP:
            parts = [f"call {c.call_id}:"]
            if c.se:
                parts.append(
                    f"Session-Expires {c.se} s (refresher {c.refresher or 'unspecified'},"
                    f" Min-SE {c.min_se or '-'});"
                )
            for r in after_bad[:3]:
                status = f"answered {r['status']}" if r["answered"] else "never answered"
                parts.append(
                    f"refresh {r['method']} from the {r['by']} at {clock(r['at'])} {status};"
                )
            base = c.last_good_refresh()
            parts.append(f"BYE from the {c.bye.by} at {clock(c.bye.t)}")
            if base is not None:
                parts.append(f"{c.bye.t - base:.1f} s after the last good refresh")
            if st and st["teardown_at"] is not None and c.se:
                parts.append(
                    f"(RFC 4028 teardown at SE - min(32, SE/3) = "
                    f"{c.se - teardown_margin(c.se):.0f} s)"
                )
            lines.append(" ".join(parts))
    if not hits:
        return None
    timer = statistics.mode(timers) if timers else None
    return Finding(
        id="session_timer_expiry",
        title="A session refresh went unanswered and the call ended at session expiry",
        severity=Severity.HIGH,
        confidence=0.9 if strong else 0.75,
        calls=len(hits),
        evidence=lines,
        recommendations=[
            "CHECK: that in-dialog re-INVITE/UPDATE reach the peer (Record-Route, NAT, firewall "
            "timeouts shorter than the refresh interval)",
            "FIX: align Session-Expires and Min-SE with the peer, or disable the timer on that side",
        ],
        data={"call_ids": hits[:100], "timer_s": timer},
    )


def _ack_timeout(
    calls: list[Call], media: dict[str, dict[str, Any]], capture_end: float
) -> Finding | None:
    hits: list[str] = []
    lines: list[str] = []
    classic = 0
    retrans: list[int] = []
    for c in calls:
        if c.answered_t is None or c.ack_t is not None or c.partial:
            continue
        later = c.bye.t if c.bye else capture_end
        if later - c.answered_t < 2.0:
            continue
        hits.append(c.call_id)
        retrans.append(c.retransmitted_200s())
        after = (c.bye.t - c.answered_t) if c.bye else None
        if after is not None and ACK_WINDOW[0] <= after <= ACK_WINDOW[1]:
            classic += 1
        if len(lines) < EVIDENCE_CAP:
            end = (
                f"BYE from the {c.bye.by} {after:.1f} s after the 200 OK"
                if c.bye and after is not None
                else f"no ACK until the capture ended {capture_end - c.answered_t:.1f} s later"
            )
            lines.append(
                f"call {c.call_id}: 200 OK at {clock(c.answered_t)} never ACKed, "
                f"{c.retransmitted_200s()} retransmissions of the 200; {end}"
            )
    if not hits:
        return None
    return Finding(
        id="ack_timeout",
        title="The 200 OK was never ACKed (64*T1: the call ends about 32 s after answer)",
        severity=Severity.HIGH if classic else Severity.MEDIUM,
        confidence=0.9 if classic else 0.6,
        side="callee",
        calls=len(hits),
        evidence=lines,
        recommendations=[
            "CHECK: Contact and Record-Route of the 200 OK: the ACK must reach the address they name "
            "(NAT, SIP ALG, private address in Contact)",
        ],
        data={
            "call_ids": hits[:100],
            "bye_near_32s": classic,
            "ok_retransmissions": retrans[:100],
        },
    )


def _nat(
    calls: list[Call], media: dict[str, dict[str, Any]], options: list[dict[str, Any]]
) -> Finding | None:
    lines: list[str] = []
    streak_max = 0
    targets = []
    for o in options:
        if o["longest_unanswered_streak"] >= 3:
            streak_max = max(streak_max, o["longest_unanswered_streak"])
            targets.append(o["target"])
            lines.append(
                f"OPTIONS to {o['target']}: {o['longest_unanswered_streak']} unanswered in a row "
                f"from {clock(o['streak_start'])} to {clock(o['streak_end'])} "
                f"({o['answered']} of {o['sent']} answered)"
            )
    nat_calls: list[str] = []
    for c in calls:
        m = media.get(c.call_id)
        for side in ("caller", "callee"):
            sig = _ip(c.caller if side == "caller" else c.callee)
            sdp = c.sdp.get(side)
            named = [("SDP", f"{sdp.addr}:{sdp.port}", sdp.addr)] if sdp else []
            contact = c.contacts.get(side)
            if contact:
                named.append(("Contact", contact, contact))
            private = [(what, shown) for what, shown, host in named if is_private(host)]
            if not sig or is_private(sig) or not private:
                continue
            towards = "callee->caller" if side == "caller" else "caller->callee"
            if m and m[towards]["state"] in ("missing", "stopped", "none"):
                nat_calls.append(c.call_id)
                if len(lines) < EVIDENCE_CAP:
                    names = " and ".join(f"{what} names private {shown}" for what, shown in private)
                    lines.append(
                        f"call {c.call_id}: the {side} signals from {sig} but its {names}; "
                        f"media {towards} {m[towards]['state']}"
                    )
                break
    if not targets and not nat_calls:
        return None
    return Finding(
        id="nat_keepalive_loss",
        title="NAT keepalives go unanswered or media does not reach a NATed endpoint",
        severity=Severity.MEDIUM,
        confidence=0.7 if targets and nat_calls else 0.55,
        calls=len(nat_calls),
        evidence=lines,
        recommendations=[
            "CHECK: the NAT/firewall UDP timeout against the keepalive interval",
            "FIX: enable NAT traversal (media proxy, symmetric RTP) for endpoints behind NAT",
        ],
        data={
            "options_targets": targets,
            "longest_unanswered_streak": streak_max,
            "call_ids": nat_calls[:100],
        },
    )


def _rejections(calls: list[Call]) -> Finding | None:
    invites = [c for c in calls if not c.partial and c.final_status is not None]
    if not invites:
        return None
    by_status: dict[int, list[Call]] = {}
    for c in invites:
        if c.final_status in REJECT_STATUSES:
            by_status.setdefault(c.final_status, []).append(c)
    if not by_status:
        return None
    rejected = [c for cs in by_status.values() for c in cs]
    not_cancel = [c for c in rejected if c.final_status != 487]
    share = len(rejected) / len(invites)
    targets: dict[str, int] = {}
    for c in not_cancel:
        targets[c.callee] = targets.get(c.callee, 0) + 1
    if len(not_cancel) >= 3 and len(not_cancel) / len(invites) >= 0.2:
        severity = Severity.MEDIUM
    elif not_cancel:
        severity = Severity.LOW
    else:
        severity = Severity.INFO
    lines = []
    for status, cs in sorted(by_status.items(), key=lambda kv: -len(kv[1])):
        ids = ", ".join(c.call_id for c in cs[:3])
        more = f" and {len(cs) - 3} more" if len(cs) > 3 else ""
        lines.append(
            f"{len(cs)} INVITE(s) answered {status} {cs[0].final_phrase} "
            f"({clock(min(c.final_t or 0 for c in cs))}-{clock(max(c.final_t or 0 for c in cs))}): "
            f"{ids}{more}"
        )
    cancels = [c for c in by_status.get(487, []) if c.cancel is not None]
    if cancels:
        lines.append(f"{len(cancels)} of the 487s followed a CANCEL from the caller")
    top = max(by_status, key=lambda k: len(by_status[k]))
    times = [c.final_t for c in rejected if c.final_t]
    return Finding(
        id="provider_rejection",
        title="Calls were rejected by the far end",
        severity=severity,
        confidence=0.8 if severity is Severity.MEDIUM else 0.5,
        calls=len(rejected),
        evidence=lines,
        recommendations=[
            "CHECK: the provider's capacity and status for the rejecting address "
            "(503 overload, 486 busy, 480/408 no answer or unreachable)",
        ],
        data={
            "statuses": {str(k): len(v) for k, v in sorted(by_status.items())},
            "top_status": top,
            "rejected_share": round(share, 3),
            "invites": len(invites),
            "targets": targets,
            "window": [min(times), max(times)] if times else None,
            "call_ids": [c.call_id for c in rejected][:100],
        },
    )


def _flood(load: dict[str, Any]) -> Finding | None:
    if not load.get("flood"):
        return None
    lines = []
    thr = load["flood_pps_threshold"]
    busy = [s for s in load["sources"] if s["busy_seconds"] >= 3]
    for s in busy[:EVIDENCE_CAP]:
        lines.append(
            f"{s['src']} sent {s['packets']} SIP packets, peak {s['peak_pps']}/s, "
            f"{s['busy_seconds']} s at or above {thr}/s"
        )
    for sc in load["scanners"][:EVIDENCE_CAP]:
        lines.append(
            f"scanner User-Agent {sc['user_agent']!r}: {sc['packets']} requests from "
            f"{', '.join(sc['sources'][:5])}"
        )
    return Finding(
        id="sip_flood",
        title="SIP flood or scanner traffic",
        severity=Severity.MEDIUM if busy else Severity.LOW,
        confidence=0.8 if busy else 0.6,
        evidence=lines,
        recommendations=[
            "FIX: rate-limit SIP per source and block scanner User-Agents at the firewall",
        ],
        data={
            "sources": [s["src"] for s in busy],
            "scanners": [sc["user_agent"] for sc in load["scanners"]],
            "peak_pps": max((s["peak_pps"] for s in load["sources"]), default=0),
        },
    )
