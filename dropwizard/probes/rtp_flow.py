"""`rtp_flow`: a bounded capture of one endpoint's RTP: packets per direction, gaps, one-way, stop."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.tcpdump import Obtained, analyse_obtained, obtain, seconds_param
from dropwizard.probes.validate import parse_ip, parse_port_range
from dropwizard.probes.vos_config import rtp_range

GUIDE_COMMAND = "tcpdump -n -i eth0 host ENDPOINT_IP and udp portrange 10000-60000 -c 100"


def split_addr(addr: str) -> tuple[str, int | None]:
    """`1.2.3.4:5000` or `[2001:db8::1]:5000` -> (ip, port)."""
    s = str(addr)
    if s.startswith("["):
        host, _, rest = s[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if s.count(":") == 1:
        host, _, port = s.partition(":")
        return host, int(port) if port.isdigit() else None
    return s, None


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def directions(streams: list[dict[str, Any]], endpoint: str) -> list[str]:
    """`in` (from the endpoint) or `out` (to it) for each stream.

    When both ends carry the endpoint's address (loopback), the side that sent first is the endpoint.
    """
    remote_ports: set[int | None] = set()
    order = sorted(range(len(streams)), key=lambda i: _epoch(streams[i].get("first")) or 0.0)
    result = [""] * len(streams)
    for i in order:
        s = streams[i]
        sip, sport = split_addr(s["src"])
        dip, _dport = split_addr(s["dst"])
        if sip == endpoint and dip != endpoint:
            result[i] = "in"
        elif dip == endpoint and sip != endpoint:
            result[i] = "out"
        else:
            if not remote_ports:
                remote_ports.add(sport)
            result[i] = "in" if sport in remote_ports else "out"
    return result


def summarise(
    streams: list[dict[str, Any]], endpoint: str, capture_end: float, stop_s: float
) -> dict[str, Any]:
    """Per-direction packets, the longest gap, one-way and stop verdicts from stream records."""
    dirs = directions(streams, endpoint)
    packets = {"in": 0, "out": 0}
    max_gap = 0.0
    stopped: list[str] = []
    one_way: list[str] = []
    keys = {(s["src"], s["dst"]) for s in streams if s.get("packets")}
    for s, d in zip(streams, dirs, strict=True):
        n = int(s.get("packets") or 0)
        packets[d] += n
        max_gap = max(max_gap, float(s.get("max_gap_s") or 0.0))
        last = _epoch(s.get("last"))
        if n and last is not None and capture_end - last >= stop_s:
            stopped.append(f"{s['src']}->{s['dst']} silent for the last {capture_end - last:.1f} s")
        if n >= 5 and (s["dst"], s["src"]) not in keys:
            one_way.append(f"{s['src']}->{s['dst']} has no reverse stream")
    return {
        "packets_in": packets["in"],
        "packets_out": packets["out"],
        "max_gap_s": round(max_gap, 3),
        "stopped": stopped,
        "one_way": one_way,
    }


def probe(pc: ProbeContext) -> Result:
    """Capture the endpoint's RTP for a few seconds (headers only) and look for gaps and one-way."""
    endpoint = pc.param("endpoint")
    if not endpoint:
        return Result(
            Status.SKIPPED,
            "no endpoint: give --endpoint IP (the caller or callee media address)",
            advice=["dropwizard probe rtp_flow --endpoint 192.0.2.20 --seconds 20"],
        )
    ip = str(parse_ip(endpoint, "endpoint address"))
    if pc.params.get("rtp_range") is not None:
        lo, hi = parse_port_range(pc.params["rtp_range"], "--rtp-range")
    else:
        (lo, hi), _origin = rtp_range(pc.host, pc.config)
    seconds = seconds_param(pc, pc.config.capture_seconds)
    bpf = f"host {ip} and udp portrange {lo}-{hi}"
    got = obtain(pc, "rtp", bpf, seconds=seconds, snaplen=pc.config.rtp_snaplen)
    if isinstance(got, Result):
        return got
    return _report(pc, got, ip, bpf)


def _report(pc: ProbeContext, got: Obtained, ip: str, bpf: str) -> Result:
    data: dict[str, Any] = {
        **got.data,
        "filter": bpf,
        "endpoint": ip,
        "guide_command": GUIDE_COMMAND,
    }
    res = analyse_obtained(pc, got, data)
    if isinstance(res, Result):
        return res
    streams = list(res.streams)
    end = got.ended or _epoch(res.summary.get("end")) or 0.0
    s = summarise(streams, ip, end, pc.config.rtp_stop_s)
    data["streams"] = streams[:20]
    data["stopped_streams"] = s["stopped"]
    data["one_way_streams"] = s["one_way"]
    facts: dict[str, Any] = {"packets_in": s["packets_in"], "packets_out": s["packets_out"]}
    total = s["packets_in"] + s["packets_out"]
    if not total:
        return Result(
            Status.WARN,
            f"no RTP to or from {ip} in {data.get('seconds', '?')} s (no call active, or another "
            "interface/port range)",
            facts=facts,
            data=data,
            advice=["Start the capture while a call to this endpoint is up.", *got.advice],
            raw=got.raw,
        )
    facts["one_way"] = bool(s["one_way"])
    facts["stopped"] = bool(s["stopped"])
    facts["max_gap_s"] = s["max_gap_s"]
    summary = f"RTP from {ip}: {s['packets_in']} packets, to it: {s['packets_out']}; longest gap {s['max_gap_s']:.2f} s"
    advice = list(got.advice)
    status = Status.OK
    if facts["one_way"]:
        status = Status.FAIL
        summary += "; one-way audio"
        advice.append(
            "One direction never arrives: NAT or a SIP ALG rewrote the SDP. Enable media proxy for "
            "this gateway and disable SIP ALG on routers in the path."
        )
    if facts["stopped"]:
        status = Status.FAIL
        summary += "; RTP stopped before the capture ended"
        advice.append(
            "RTP stopped while the call was up: VOS3000 ends the call after its RTP timeout "
            "(cause 102). Check the endpoint, NAT bindings and firewall UDP timeouts."
        )
    elif s["max_gap_s"] >= 5.0 and status is Status.OK:
        status = Status.WARN
        summary += " (gap over 5 s: hold, VAD or loss)"
    return Result(status, summary, facts=facts, data=data, advice=advice, raw=got.raw)
