"""`sip_capture`: a bounded capture of the SIP ports: refreshes and their answers, ACKs, OPTIONS, BYEs."""

from __future__ import annotations

from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.tcpdump import Obtained, analyse_obtained, obtain, seconds_param
from dropwizard.probes.validate import parse_ports
from dropwizard.probes.vos_config import sip_ports

GUIDE_COMMAND = 'tcpdump -n -i eth0 port 5060 -A -s 0 | grep -E "(INVITE|Session-Expires|Min-SE)"'
SIP_SNAPLEN = 65535


def sip_filter(ports: list[int]) -> str:
    """`(udp or tcp) and (port 5060 or port 6060)`."""
    return "(udp or tcp) and (" + " or ".join(f"port {p}" for p in ports) + ")"


def ports_for(pc: ProbeContext) -> tuple[list[int], str]:
    if pc.params.get("sip_ports") is not None:
        return parse_ports(pc.params["sip_ports"], "--sip-ports"), "command line"
    return sip_ports(pc.host, pc.config)


def obtain_sip(
    pc: ProbeContext, name: str, default_seconds: float
) -> tuple[Obtained, dict[str, Any]] | Result:
    """A bounded capture of the SIP ports (or the given pcap) and the evidence data naming it."""
    ports, origin = ports_for(pc)
    bpf = sip_filter(ports)
    seconds = seconds_param(pc, default_seconds)
    got = obtain(pc, name, bpf, seconds=seconds, snaplen=SIP_SNAPLEN)
    if isinstance(got, Result):
        return got
    return got, {**got.data, "filter": bpf, "sip_ports": ports, "sip_ports_from": origin}


def probe(pc: ProbeContext) -> Result:
    """Capture SIP for a few seconds and check re-INVITE/UPDATE answers, ACKs, OPTIONS and BYE reasons."""
    obtained = obtain_sip(pc, "sip", pc.config.capture_seconds)
    if isinstance(obtained, Result):
        return obtained
    got, data = obtained
    data["guide_command"] = GUIDE_COMMAND
    res = analyse_obtained(pc, got, data)
    if isinstance(res, Result):
        return res
    calls = res.calls
    refreshes = [r for c in calls for r in c.get("refreshes") or []]
    bye_reasons: list[str] = []
    for c in calls:
        bye = c.get("bye")
        if bye and bye.get("reason"):
            bye_reasons.append(str(bye["reason"]))
    timers = [c["session_timer"] for c in calls if c.get("session_timer")]
    small_se = [
        t["session_expires_s"]
        for t in timers
        if t.get("session_expires_s") and t["session_expires_s"] < 90
    ]
    got_422 = sum(1 for c in calls if c.get("final_status") == 422) + sum(
        1 for r in refreshes if r.get("status") == 422
    )
    options = res.options
    facts: dict[str, Any] = {
        "refreshes": len(refreshes),
        "refresh_unanswered": int(res.facts.get("refresh_unanswered", 0)),
        "missing_ack": int(res.facts.get("missing_ack", 0)),
        "bye_reasons": sorted(set(bye_reasons)),
    }
    if "options_unanswered_streak" in res.facts:
        facts["options_unanswered_streak"] = res.facts["options_unanswered_streak"]
    data.update(
        {
            "sip_messages": res.summary.get("sip_messages"),
            "calls": len(calls),
            "session_timers": timers[:20],
            "session_expires_below_90": small_se,
            "responses_422": got_422,
            "options": options[:20],
            "options_pending_at_end": sum(o.get("pending_at_end", 0) for o in options),
            "findings": [f.to_dict() for f in res.findings],
            "calls_detail": [
                {
                    k: c.get(k)
                    for k in (
                        "call_id",
                        "from",
                        "to",
                        "final_status",
                        "duration_s",
                        "refreshes",
                        "bye",
                        "ack",
                    )
                }
                for c in calls[:20]
            ],
        }
    )
    advice = list(got.advice)
    status = Status.OK
    problems: list[str] = []
    if facts["refresh_unanswered"]:
        status = Status.FAIL
        problems.append(f"{facts['refresh_unanswered']} unanswered re-INVITE/UPDATE")
        advice.append(
            "Investigate why the refresh is not answered (often NAT/firewall state that expired "
            "during the silent half of the session interval) before raising Session-Expires."
        )
    if facts["missing_ack"]:
        status = Status.FAIL
        problems.append(f"{facts['missing_ack']} 200 OK never ACKed")
        advice.append(
            "Check Contact and Record-Route of the 200 OK: the ACK must reach them (NAT, SIP ALG)."
        )
    if small_se or got_422:
        status = Status.FAIL if status is Status.FAIL else Status.WARN
        problems.append("Session-Expires below 90 s / 422 responses")
    if facts.get("options_unanswered_streak"):
        status = Status.FAIL if status is Status.FAIL else Status.WARN
        problems.append(f"{facts['options_unanswered_streak']} OPTIONS in a row unanswered")
    parts = [
        f"{res.summary.get('sip_messages', 0)} SIP messages, {len(calls)} call(s), "
        f"{len(refreshes)} refresh(es)"
    ]
    if bye_reasons:
        parts.append("BYE reasons: " + ", ".join(sorted(set(bye_reasons))[:3]))
    if options:
        parts.append(f"OPTIONS to {len(options)} target(s)")
    summary = "; ".join(problems + parts)
    if not res.summary.get("sip_messages"):
        status = Status.WARN
        summary = f"no SIP on ports {','.join(map(str, data['sip_ports']))} in {data.get('seconds', '?')} s"
        advice.append(
            "SIP may use other ports (SS_SIP_PORT in softswitch.conf) or TCP; set [probes] sip_ports."
        )
    return Result(status, summary, facts=facts, data=data, advice=advice, raw=got.raw)
