"""`vos_config`: SIP ports, media proxy, session timer and NAT keepalive from the VOS3000 config files.

Only SS_SIP_PORT is seen in installer scripts; SS_MEDIAPROXYMODE, SS_SIP_SESSION_TTL and
SS_SIP_NAT_KEEP_ALIVE come from reseller blogs, so every value is shown with the key it came from and
anything not found is listed as unknown (check the name on your version).
"""

from __future__ import annotations

import re
from typing import Any

from dropwizard.evidence import Status
from dropwizard.probes.base import (
    DEFAULT_SIP_PORTS,
    GUIDE_RTP_RANGE,
    ProbeConfig,
    ProbeContext,
    Result,
)
from dropwizard.probes.host import Host

KEYS: dict[str, tuple[str, ...]] = {
    "sip_ports": ("SS_SIP_PORT", "SIP_PORT", "SS_SIPPORT"),
    "media_proxy": ("SS_MEDIAPROXYMODE", "SS_MEDIA_PROXY_MODE", "SS_MEDIAPROXY"),
    "session_expires": ("SS_SIP_SESSION_TTL", "SS_SIP_SESSION_EXPIRES", "SS_SESSION_EXPIRES"),
    "min_se": ("SS_SIP_MIN_SE", "SS_SIP_SESSION_MIN_SE", "SS_MIN_SE"),
    "rtp_timeout": (
        "SS_RTP_TIMEOUT",
        "SS_MEDIA_TIMEOUT",
        "SS_RTP_TIME_OUT",
        "SS_MEDIA_CHECK_TIMEOUT",
    ),
    "nat_keepalive": ("SS_SIP_NAT_KEEP_ALIVE", "SS_SIP_NAT_KEEPALIVE", "SS_NAT_KEEP_ALIVE"),
    "rtp_range": ("SS_RTP_PORT_RANGE", "SS_MEDIA_PORT_RANGE", "SS_RTP_PORT"),
    "rtp_port_min": ("SS_RTP_PORT_MIN", "SS_RTP_PORT_START", "SS_MEDIA_PORT_MIN"),
    "rtp_port_max": ("SS_RTP_PORT_MAX", "SS_RTP_PORT_END", "SS_MEDIA_PORT_MAX"),
    "no_timer_reinvite_interval": ("SS_SIP_NO_TIMER_REINVITE_INTERVAL",),
}
"""Fact -> config keys tried in order (names differ between versions)."""

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*(.*?)\s*$")
_MEDIA = {
    "on": "on",
    "yes": "on",
    "true": "on",
    "enable": "on",
    "enabled": "on",
    "must on": "on",
    "muston": "on",
    "must_on": "on",
    "off": "off",
    "no": "off",
    "false": "off",
    "disable": "off",
    "disabled": "off",
    "auto": "auto",
}


def parse_conf(text: str) -> dict[str, str]:
    """KEY=VALUE lines (quotes stripped, `#`/`;` comments skipped); the last assignment wins."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        s = line.strip()
        if not s or s[0] in "#;[":
            continue
        m = _LINE.match(s)
        if not m:
            continue
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif "#" in value:
            value = value.split("#", 1)[0].rstrip()
        out[m.group(1)] = value
    return out


def _int(value: str) -> int | None:
    m = re.fullmatch(r"\s*(-?\d+)\s*(s|sec|seconds)?\s*", value, re.I)
    return int(m.group(1)) if m else None


def media_proxy(value: str | None) -> str:
    """`on|off|auto|unknown` from a SS_MEDIAPROXYMODE word; numeric codes stay unknown."""
    if value is None:
        return "unknown"
    return _MEDIA.get(re.sub(r"\s+", " ", value.strip().lower()), "unknown")


def read_configs(host: Host, cfg: ProbeConfig) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """All known config files merged: (values, key -> file it came from, files read)."""
    values: dict[str, str] = {}
    origin: dict[str, str] = {}
    read: list[str] = []
    for path in cfg.config_files:
        text = host.try_read(path, 512 * 1024)
        if text is None:
            continue
        read.append(path)
        for k, v in parse_conf(text).items():
            if k not in values:
                values[k] = v
                origin[k] = path
    return values, origin, read


def lookup(values: dict[str, str], fact: str) -> tuple[str | None, str | None]:
    """(key, value) of the first known key for a fact."""
    for key in KEYS[fact]:
        if key in values:
            return key, values[key]
    return None, None


def sip_ports(host: Host, cfg: ProbeConfig) -> tuple[list[int], str]:
    """SIP ports: config [probes] sip_ports, else softswitch.conf, else 5060,6060 (the default)."""
    if cfg.sip_ports:
        return list(cfg.sip_ports), "config [probes] sip_ports"
    values, origin, _ = read_configs(host, cfg)
    key, value = lookup(values, "sip_ports")
    ports = [int(p) for p in re.findall(r"\d+", value or "") if 0 < int(p) < 65536]
    if key and ports:
        return sorted(set(ports)), f"{origin[key]} {key}"
    return list(DEFAULT_SIP_PORTS), "VOS3000 default (SS_SIP_PORT=5060,6060)"


def rtp_range(host: Host, cfg: ProbeConfig) -> tuple[tuple[int, int], str]:
    """RTP range: config [probes] rtp_range, else the VOS config, else the guide's 10000-60000."""
    if cfg.rtp_range:
        return cfg.rtp_range, "config [probes] rtp_range"
    values, origin, _ = read_configs(host, cfg)
    key, value = lookup(values, "rtp_range")
    nums = [int(n) for n in re.findall(r"\d+", value or "")]
    if key and len(nums) >= 2 and 0 < nums[0] <= nums[1] < 65536:
        return (nums[0], nums[1]), f"{origin[key]} {key}"
    kmin, vmin = lookup(values, "rtp_port_min")
    kmax, vmax = lookup(values, "rtp_port_max")
    lo, hi = _int(vmin or ""), _int(vmax or "")
    if kmin and kmax and lo and hi and 0 < lo <= hi < 65536:
        return (lo, hi), f"{origin[kmin]} {kmin}/{kmax}"
    return GUIDE_RTP_RANGE, "the guide's 10000-60000 (not a confirmed VOS3000 default)"


def probe(pc: ProbeContext) -> Result:
    """Read the VOS3000 config files for SIP ports, media proxy, session timer and NAT keepalive."""
    values, origin, read = read_configs(pc.host, pc.config)
    if not read:
        return Result(
            Status.SKIPPED,
            f"no VOS3000 config found ({pc.config.softswitch_conf} missing or unreadable)",
            facts={"found": False},
            data={"files_tried": pc.config.config_files},
            advice=[
                "If VOS3000 lives elsewhere, set [probes] softswitch_conf or config_files in the "
                "dropwizard config file."
            ],
        )
    facts: dict[str, Any] = {"found": True}
    shown: dict[str, Any] = {}
    unknown: list[str] = []
    key, value = lookup(values, "media_proxy")
    facts["media_proxy"] = media_proxy(value)
    if key:
        shown["media_proxy"] = {"key": key, "value": value, "file": origin[key]}
    else:
        unknown.append("media_proxy")
    for fact in ("session_expires", "min_se", "rtp_timeout", "nat_keepalive"):
        key, value = lookup(values, fact)
        if key is None or value is None:
            unknown.append(fact)
            continue
        shown[fact] = {"key": key, "value": value, "file": origin[key]}
        number = _int(value)
        if number is not None:
            facts[fact] = number
        elif fact == "nat_keepalive":
            word = media_proxy(value)
            if word in ("on", "off"):
                facts[fact] = word == "on"
    key, value = lookup(values, "sip_ports")
    ports = [int(p) for p in re.findall(r"\d+", value or "")]
    if key and ports:
        facts["sip_ports"] = ports
        shown["sip_ports"] = {"key": key, "value": value, "file": origin[key]}
    else:
        unknown.append("sip_ports")
    rng, rng_from = rtp_range(pc.host, pc.config)
    data: dict[str, Any] = {
        "files": read,
        "settings": shown,
        "unknown": unknown,
        "rtp_range": list(rng),
        "rtp_range_from": rng_from,
        "all_keys": {k: v for k, v in values.items() if k.startswith(("SS_", "SIP_"))},
    }
    advice: list[str] = []
    status = Status.OK
    se = facts.get("session_expires")
    if isinstance(se, int) and 0 < se < 90:
        status = Status.WARN
        advice.append(
            f"Session-Expires {se} s is below the RFC 4028 floor of 90 s; peers answer 422. "
            "Use 1800 (or 0 to switch the session timer off) in System Parameters."
        )
    if facts["media_proxy"] == "off":
        status = Status.WARN
        advice.append(
            "Media proxy is off: endpoints behind NAT lose RTP and VOS3000 cannot detect RTP "
            "timeouts. Enable media proxy (SS_MEDIAPROXYMODE / per-gateway Media proxy: On or Auto)."
        )
    if unknown:
        advice.append(
            "Not found in the config files: "
            + ", ".join(unknown)
            + " (names differ by version; check System Parameters in the VOS3000 client)."
        )
    parts = [f"media proxy {facts['media_proxy']}"]
    if "session_expires" in facts:
        parts.append(f"session timer {facts['session_expires']} s")
    if "sip_ports" in facts:
        parts.append("SIP " + ",".join(str(p) for p in facts["sip_ports"]))
    if "nat_keepalive" in facts:
        parts.append(f"NAT keepalive {facts['nat_keepalive']}")
    summary = "; ".join(parts) + (f"; unknown: {', '.join(unknown)}" if unknown else "")
    raw = "\n".join(f"{k}={v}    # {origin[k]}" for k, v in sorted(values.items()))
    return Result(status, summary, facts=facts, data=data, advice=advice, raw=raw)
