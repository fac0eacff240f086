"""Checks on user-given values (IPs, ports, ranges, interfaces, hostnames) before any probe uses them."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from dropwizard.errors import InputError

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$"
)
_IFNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,14}$")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: Any, what: str = "IP address") -> IPAddress:
    """An IPv4 or IPv6 address, or a one-line InputError."""
    try:
        return ipaddress.ip_address(str(text).strip().strip("[]"))
    except ValueError:
        raise InputError(
            f"invalid {what} {text!r}: give a numeric address such as 192.0.2.10 or 2001:db8::10"
        ) from None


def parse_port(value: Any, what: str = "port") -> int:
    """A port number 1-65535."""
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise InputError(f"invalid {what} {value!r}: give a number from 1 to 65535")
    return port


def parse_port_range(value: Any, what: str = "port range") -> tuple[int, int]:
    """`10000-60000`, `10000:60000`, or a [low, high] pair; low <= high."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        low, high = value
    else:
        m = re.fullmatch(r"\s*(\d{1,5})\s*[-:]\s*(\d{1,5})\s*", str(value))
        if not m:
            raise InputError(f"invalid {what} {value!r}: write it as LOW-HIGH, e.g. 10000-60000")
        low, high = m.group(1), m.group(2)
    lo, hi = parse_port(low, what), parse_port(high, what)
    if lo > hi:
        raise InputError(f"invalid {what} {value!r}: the low port is above the high port")
    return lo, hi


def parse_ports(value: Any, what: str = "ports") -> list[int]:
    """A list of ports from `5060,6060`, a list, or one number."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,\s]+", str(value).strip())
    ports = [parse_port(v, what) for v in items if str(v).strip()]
    if not ports:
        raise InputError(f"invalid {what} {value!r}: give at least one port, e.g. 5060,6060")
    return sorted(set(ports))


def parse_hostname(text: Any) -> str:
    """A numeric address or an RFC 1123 host name."""
    s = str(text).strip()
    try:
        return str(parse_ip(s))
    except InputError:
        pass
    if not _HOSTNAME.match(s) or s.replace(".", "").isdigit():
        raise InputError(
            f"invalid host {text!r}: give an IP address or a host name like sbc.example.net"
        )
    return s.rstrip(".")


def parse_target(text: Any, default_port: int = 5060) -> tuple[str, int]:
    """`HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address -> (host, port)."""
    s = str(text).strip()
    if s.lower().startswith("sip:"):
        s = s[4:]
    if s.startswith("["):
        m = re.fullmatch(r"\[([^\]]+)\](?::(\w+))?", s)
        if not m:
            raise InputError(f"invalid target {text!r}: write IPv6 targets as [2001:db8::1]:5060")
        host = str(parse_ip(m.group(1), "target address"))
        return host, parse_port(m.group(2), "target port") if m.group(2) else default_port
    if s.count(":") > 1:
        return str(parse_ip(s, "target address")), default_port
    host, _, port = s.partition(":")
    if not host:
        raise InputError(f"invalid target {text!r}: give HOST or HOST:PORT, e.g. 192.0.2.10:5060")
    return parse_hostname(host), parse_port(port, "target port") if port else default_port


def parse_interface(name: Any, known: list[str] | None = None) -> str:
    """An interface name: `any`, or one that exists in /sys/class/net (when that list is known)."""
    s = str(name).strip()
    if s == "any":
        return s
    if not _IFNAME.match(s):
        raise InputError(
            f"invalid interface {name!r}: interface names are up to 15 letters, digits, '.', '-', '_'"
        )
    if known is not None and known and s not in known:
        raise InputError(
            f"no interface {s!r} on this host: choose one of {', '.join(sorted(known))} or 'any'"
        )
    return s
