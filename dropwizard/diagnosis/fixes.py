"""Recommendation lines for detector findings: the flow's catalogue first, a short fallback else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FALLBACK: dict[str, list[str]] = {
    "rtp_timeout": [
        "FIX: Enable media proxy for endpoints behind NAT so VOS3000 sees and relays RTP",
        "CHECK: Capture the affected calls and confirm RTP stops before the BYE",
        "WORKAROUND: Keep the RTP timeout at 30-60 s; raise it only if needed",
    ],
    "session_timer_expiry": [
        "FIX: Find why the session refresh (re-INVITE/UPDATE) or its 200 OK is lost (NAT, firewall)",
        "WORKAROUND: Raise Session-Expires (e.g. 1800 -> 3600) or disable the timer on the gateway",
        "CHECK: Capture one call around the refresh time (SE/2) and look for the re-INVITE",
    ],
    "ack_timeout": [
        "FIX: Make the ACK for the 200 OK reach VOS3000: check NAT, Record-Route and Contact",
        "CHECK: Capture a call and look for 200 OK retransmissions without an ACK",
        "FIX: Disable SIP ALG on routers and firewalls in the path",
    ],
    "max_call_duration": [
        "FIX: Raise or remove the maximum call duration (maxCallDurationLower/Upper) on the gateway",
        "CHECK: Compare the cut value with the system and per-gateway duration limits",
    ],
    "provider_rejection": [
        "CHECK: Report the window and the rejection counts to the provider",
        "WORKAROUND: Lower the provider's priority or capacity, route to an alternative",
        "CHECK: Verify call setup timing (PDD) against the ring and progress timeouts",
    ],
    "failover_switch": [
        "FIX: Do not switch gateways after answer, SDP or RTP start (switchAllowRtp/Sdp)",
        "CHECK: Review ASR/PDD thresholds that mark a route down",
    ],
    "firewall_udp_timeout": [
        "FIX: Raise the firewall/conntrack UDP timeouts (stream >= 3600 s, udp >= 300 s)",
        "CHECK: Read /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream on the host",
    ],
    "nat_keepalive_loss": [
        "FIX: Keep NAT bindings of endpoints behind NAT alive every 15-30 s: SIP OPTIONS pings "
        "(common, non-standard), or RFC 5626 keepalives (STUN over UDP, CRLF over TCP/TLS)",
        "FIX: Enable media proxy for the NATed gateway",
    ],
    "normal_clearing": ["CHECK: No action needed: the calls ended normally"],
}


def _holds(condition: Any, facts: Mapping[str, Any] | None) -> bool:
    if condition is None or facts is None:
        return False
    try:
        return condition.holds(facts) is True
    except Exception:  # a condition that cannot be read keeps the fix out
        return False


def recommendations(
    finding_id: str, flow: Any = None, facts: Mapping[str, Any] | None = None
) -> list[str]:
    """Recommendation lines from `flow.findings[id].fixes`, else a fallback.

    A fix with a `when` condition is kept only when `facts` (flat names such as
    `cdr.durations.proxied_share`) make it hold; without facts, or when they do not decide it, it
    is left out."""
    lines: list[str] = []
    catalogue = getattr(flow, "findings", None) if flow is not None else None
    spec = None
    if isinstance(catalogue, dict):
        spec = catalogue.get(finding_id)
    fixes = getattr(spec, "fixes", None)
    if fixes is None and isinstance(spec, dict):
        fixes = spec.get("fixes")
    for fix in fixes or []:
        when = getattr(fix, "when", None) if not isinstance(fix, dict) else fix.get("when")
        if when and not _holds(getattr(fix, "condition", None), facts):
            continue
        if hasattr(fix, "label"):
            lines.append(fix.label())
        elif isinstance(fix, dict) and fix.get("text"):
            kind = {"fix": "FIX", "workaround": "WORKAROUND", "diagnostic": "CHECK"}.get(
                str(fix.get("kind")), "FIX"
            )
            lines.append(f"{kind}: {fix['text']}")
    return lines or list(FALLBACK.get(finding_id, []))
