"""`sip_flood`: SIP packets per second, top sources and scanner User-Agents from a short capture."""

from __future__ import annotations

from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.sip_capture import obtain_sip
from dropwizard.probes.tcpdump import analyse_obtained, discard


def probe(pc: ProbeContext) -> Result:
    """Capture the SIP ports briefly; compare the packet rate with the threshold, find scanners."""
    obtained = obtain_sip(pc, "flood", pc.config.flood_seconds)
    if isinstance(obtained, Result):
        return obtained
    got, data = obtained
    res = analyse_obtained(pc, got, data)
    if isinstance(res, Result):
        return res
    if not got.data.get("given") and not pc.config.keep_flood_capture:
        discard(got.path)
        data["pcap"] = None
        data["pcap_note"] = (
            "deleted after counting (set [probes] keep_flood_capture = true to keep it)"
        )
    load = res.load
    window = (
        (got.ended - got.started)
        if got.started and got.ended
        else float(res.summary.get("duration_s") or 0)
    )
    packets = int(load.get("sip_packets") or 0)
    pps = round(packets / window, 2) if window > 0 else float(load.get("sip_pps") or 0.0)
    sources = load.get("sources") or []
    scanners = load.get("scanners") or []
    threshold = pc.config.flood_pps
    flood = pps >= threshold or bool(scanners) or bool(load.get("flood"))
    facts: dict[str, Any] = {"pps": pps, "flood": flood, "scanners": len(scanners)}
    if sources:
        facts["top_source"] = sources[0]["src"]
    data["findings"] = [f.to_dict() for f in res.findings if f.id == "sip_flood"]
    data.update(
        {
            "sip_packets": packets,
            "window_s": round(window, 3),
            "threshold_pps": threshold,
            "sources": sources,
            "scanner_agents": scanners,
        }
    )
    summary = f"{pps:g} SIP packets/s over {window:.1f} s (threshold {threshold:g})"
    if sources:
        summary += f"; top source {sources[0]['src']} ({sources[0]['packets']} packets)"
    advice = list(got.advice)
    if scanners:
        summary += "; scanners: " + ", ".join(s["user_agent"] for s in scanners[:3])
    if flood:
        ips = sorted(
            {ip for s in scanners for ip in s.get("sources", [])}
            | ({sources[0]["src"]} if sources and pps >= threshold else set())
        )
        advice += [f"iptables -I INPUT -s {ip} -j DROP" for ip in ips[:10]]
        advice.append(
            "Allow SIP only from known gateways (VOS3000 IP whitelist / firewall) and rate-limit the rest."
        )
        return Result(Status.FAIL, summary, facts=facts, data=data, advice=advice, raw=got.raw)
    return Result(Status.OK, summary, facts=facts, data=data, advice=advice, raw=got.raw)
