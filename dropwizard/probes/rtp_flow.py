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


TOGETHER_S = 1.0
"""Both directions of a media session stopping within this many seconds read as a hang-up."""

UP = -1.0
"""`call_ends` value for a stream whose call SIP shows still up at the end of the capture."""


def summarise(
    streams: list[dict[str, Any]],
    endpoint: str,
    capture_end: float,
    stop_s: float,
    call_ends: dict[int, float] | None = None,
) -> dict[str, Any]:
    """Per-direction packets, the longest gap, one-way, stop and hang-up verdicts.

    A stream silent for `stop_s` before the end (its call's BYE when the capture holds the SIP,
    else the capture end) stopped. Without SIP, both directions of a session falling silent
    within `TOGETHER_S` of each other is a hang-up (`ended`), not a stop. `call_ends` maps a
    stream's index to its call's end, or `UP` when SIP shows that call still up.
    """
    dirs = directions(streams, endpoint)
    ends = call_ends or {}
    packets = {"in": 0, "out": 0}
    max_gap = 0.0
    stopped: list[str] = []
    ended: list[str] = []
    one_way: list[str] = []
    pairs: set[frozenset[str]] = set()
    lasts: dict[tuple[str, str], float] = {}
    for s in streams:
        last = _epoch(s.get("last"))
        if s.get("packets") and last is not None:
            key = (s["src"], s["dst"])
            lasts[key] = max(lasts.get(key, last), last)
    for i, (s, d) in enumerate(zip(streams, dirs, strict=True)):
        n = int(s.get("packets") or 0)
        packets[d] += n
        max_gap = max(max_gap, float(s.get("max_gap_s") or 0.0))
        last = _epoch(s.get("last"))
        call_end = ends.get(i)
        ref = capture_end if call_end is None or call_end == UP else call_end
        key = (s["src"], s["dst"])
        # only the stream holding a direction's latest packet (an earlier SSRC did not stop)
        if n and last is not None and last >= lasts[key] and ref - last >= stop_s:
            back = lasts.get((s["dst"], s["src"]))
            if call_end is None and back is not None and abs(back - last) <= TOGETHER_S:
                pair = frozenset(key)
                if pair not in pairs:
                    pairs.add(pair)
                    ended.append(
                        f"{s['src']}<->{s['dst']} stopped both ways {ref - max(last, back):.1f} s "
                        "before the end"
                    )
            else:
                where = "its call's BYE" if call_end not in (None, UP) else "the end"
                stopped.append(
                    f"{s['src']}->{s['dst']} silent for the last {ref - last:.1f} s before {where}"
                )
        if n >= 5 and (s["dst"], s["src"]) not in lasts:
            one_way.append(f"{s['src']}->{s['dst']} has no reverse stream")
    return {
        "packets_in": packets["in"],
        "packets_out": packets["out"],
        "max_gap_s": round(max_gap, 3),
        "stopped": stopped,
        "ended": ended,
        "one_way": one_way,
    }


def call_ends(res: Any, streams: list[dict[str, Any]]) -> dict[int, float]:
    """Stream index -> its call's end (BYE, CANCEL, failure) or `UP` when SIP shows it answered."""
    out: dict[int, float] = {}
    index = {id(st): i for i, st in enumerate(streams)}
    for call in getattr(res, "calls", None) or []:
        end = _epoch(call.get("end"))
        if end is None and not call.get("answered"):
            continue
        for st in call.get("streams") or []:
            i = index.get(id(st))
            if i is not None:
                out[i] = end if end is not None else UP
    return out


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
    s = summarise(streams, ip, end, pc.config.rtp_stop_s, call_ends(res, streams))
    data["streams"] = streams[:20]
    data["stopped_streams"] = s["stopped"]
    data["ended_streams"] = s["ended"]
    data["one_way_streams"] = s["one_way"]
    facts: dict[str, Any] = {"packets_in": s["packets_in"], "packets_out": s["packets_out"]}
    total = s["packets_in"] + s["packets_out"]
    if not total:
        secs = data.get("seconds", res.summary.get("duration_s"))
        span = f"in {float(secs):g} s" if secs is not None else "in the capture"
        return Result(
            Status.WARN,
            f"no RTP to or from {ip} {span} (no call active, or another interface/port range)",
            facts=facts,
            data=data,
            advice=["Start the capture while a call to this endpoint is up.", *got.advice],
            raw=got.raw,
        )
    facts["one_way"] = bool(s["one_way"])
    facts["stopped"] = bool(s["stopped"])
    facts["call_ended"] = bool(s["ended"])
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
    if facts["call_ended"] and not facts["stopped"]:
        summary += "; both directions stopped together (call ended)"
        advice.append(
            "Both directions stopped within a second of each other, as on a hang-up. If the call "
            "was still up then, capture its SIP too (dropwizard probe sip_capture) to confirm."
        )
    return Result(status, summary, facts=facts, data=data, advice=advice, raw=got.raw)
