"""`sip_options`: send SIP OPTIONS over UDP to HOST[:PORT], like sipsak, and time the answer."""

from __future__ import annotations

import secrets
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from dropwizard.capture.sip import parse_headers
from dropwizard.errors import InputError
from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result
from dropwizard.probes.validate import parse_target

MAX_DATAGRAM = 65535


@dataclass
class SipMessage:
    """A parsed SIP request or response: start line, headers (lower-case names), body."""

    start: str
    headers: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""
    status: int | None = None
    reason: str = ""
    method: str | None = None
    uri: str | None = None

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def branch(self) -> str | None:
        via = self.header("via")
        if not via:
            return None
        for param in via.split(";")[1:]:
            k, _, v = param.strip().partition("=")
            if k.strip().lower() == "branch":
                return v.strip().split(",")[0]
        return None

    @property
    def cseq(self) -> tuple[int, str] | None:
        value = self.header("cseq")
        if not value:
            return None
        parts = value.split()
        if len(parts) >= 2 and parts[0].isdigit():
            return int(parts[0]), parts[1].upper()
        return None


def parse_message(data: bytes) -> SipMessage | None:
    """Parse one SIP message; None for anything that is not SIP. Never raises."""
    try:
        text = data.decode("utf-8", "replace")
    except Exception:  # pragma: no cover - decode with replace does not raise
        return None
    head, sep, body = text.partition("\r\n\r\n")
    if not sep:
        head, sep, body = text.partition("\n\n")
    lines = head.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None
    start = lines[0].strip()
    msg = SipMessage(start=start, body=body.encode("utf-8", "replace"))
    parts = start.split(" ", 2)
    if parts[0].upper().startswith("SIP/2.0"):
        if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) != 3:
            return None
        msg.status = int(parts[1])
        msg.reason = parts[2].strip() if len(parts) > 2 else ""
    elif len(parts) == 3 and parts[2].upper().startswith("SIP/2.0") and parts[0].isalpha():
        msg.method = parts[0].upper()
        msg.uri = parts[1]
    else:
        return None
    msg.headers = parse_headers(lines[1:])
    return msg


def build_options(
    target_host: str,
    target_port: int,
    local_ip: str,
    local_port: int,
    *,
    branch: str,
    tag: str,
    call_id: str,
    cseq: int,
) -> bytes:
    """An OPTIONS request with the headers RFC 3261 requires (and Contact, Accept, User-Agent)."""
    host = f"[{target_host}]" if ":" in target_host else target_host
    lhost = f"[{local_ip}]" if ":" in local_ip else local_ip
    uri = f"sip:{host}:{target_port}"
    lines = [
        f"OPTIONS {uri} SIP/2.0",
        f"Via: SIP/2.0/UDP {lhost}:{local_port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:dropwizard@{lhost}>;tag={tag}",
        f"To: <{uri}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} OPTIONS",
        f"Contact: <sip:dropwizard@{lhost}:{local_port}>",
        "Accept: application/sdp",
        "User-Agent: dropwizard",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass
class Attempt:
    n: int
    branch: str
    sent_at: float
    status: int | None = None
    reason: str = ""
    rtt_ms: float | None = None
    provisional: list[int] = field(default_factory=list)
    unreachable: bool = False
    """The target's host answered ICMP port unreachable (nothing listens on the port)."""


def resolve(host: str, port: int, timeout: float = 5.0) -> tuple[int, Any]:
    """(family, sockaddr) of a target; a host name gets at most `timeout` s of DNS."""
    box: dict[str, Any] = {}

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        except (socket.gaierror, UnicodeError) as exc:
            box["error"] = getattr(exc, "strerror", None) or str(exc)

    t = threading.Thread(target=lookup, daemon=True)
    t.start()
    t.join(timeout)
    if box.get("infos"):
        family, _, _, _, addr = box["infos"][0]
        return family, addr
    why = box.get("error") or f"no answer from DNS in {timeout:g} s"
    raise InputError(f"cannot resolve target {host!r}: {why}")


def ping(
    host: str,
    port: int,
    *,
    attempts: int = 3,
    interval: float = 2.0,
    cancel: Any = None,
) -> tuple[list[Attempt], list[str]]:
    """Send up to `attempts` OPTIONS, one every `interval` s until a final answer; never raises OSError.

    An ICMP port unreachable ends the probing at once: the attempt is marked `unreachable`.
    """
    log: list[str] = []
    family, addr = resolve(host, port)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    done: list[Attempt] = []
    try:
        sock.connect(addr)
        local_ip, local_port = sock.getsockname()[:2]
        call_id = f"{secrets.token_hex(12)}@{local_ip}"
        tag = secrets.token_hex(6)
        answered: Attempt | None = None
        refused = False
        for n in range(1, max(attempts, 1) + 1):
            if cancel is not None and cancel.is_set():
                break
            att = Attempt(n=n, branch="z9hG4bK" + secrets.token_hex(10), sent_at=time.monotonic())
            req = build_options(
                host,
                port,
                local_ip,
                local_port,
                branch=att.branch,
                tag=tag,
                call_id=call_id,
                cseq=n,
            )
            try:
                sock.send(req)
            except ConnectionRefusedError:
                refused = True
            except OSError as exc:
                log.append(f"attempt {n}: send failed: {exc.strerror}")
            if n == 1:
                log.append(req.decode(errors="replace"))
            done.append(att)
            deadline = att.sent_at + interval
            while not refused:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                ready, _, _ = select.select([sock], [], [], remaining)
                if not ready:
                    break
                try:
                    data = sock.recv(MAX_DATAGRAM)
                except ConnectionRefusedError:
                    refused = True
                    break
                except OSError as exc:
                    log.append(f"attempt {n}: receive failed: {exc.strerror}")
                    continue
                now = time.monotonic()
                msg = parse_message(data)
                if msg is None or msg.status is None:
                    continue
                match = next((a for a in done if a.branch == msg.branch), None)
                if match is None or msg.header("call-id") != call_id:
                    continue
                if msg.status < 200:
                    match.provisional.append(msg.status)
                    continue
                if match.status is None:
                    match.status, match.reason = msg.status, msg.reason
                    match.rtt_ms = round((now - match.sent_at) * 1000, 3)
                    if len(log) < 6:
                        log.append(data.decode(errors="replace")[:4000])
                    answered = match
                    break
            if refused:
                att.unreachable = True
                log.append(f"attempt {n}: ICMP port unreachable")
                break
            if answered is not None:
                break
    finally:
        sock.close()
    return done, log


def probe(pc: ProbeContext) -> Result:
    """OPTIONS to --target, retried at the configured interval: status code and round trip."""
    target = pc.param("target")
    if not target:
        return Result(
            Status.SKIPPED,
            "no target: give --target HOST[:PORT] (a gateway or trunk)",
            advice=["dropwizard probe sip_options --target 192.0.2.10:5060"],
        )
    host, port = parse_target(target)
    attempts = int(pc.param("attempts", pc.config.sip_options_attempts))
    interval = float(pc.param("interval", pc.config.sip_options_interval))
    if attempts < 1 or interval <= 0:
        raise InputError("sip_options needs attempts >= 1 and an interval > 0 s")
    tries, log = ping(host, port, attempts=attempts, interval=interval, cancel=pc.cancel)
    final = next((a for a in tries if a.status is not None), None)
    # attempts sent after the answered one, still waiting when its answer came, were not lost
    timeouts = sum(
        1
        for a in tries
        if a.status is None and not a.unreachable and (final is None or a.n < final.n)
    )
    facts: dict[str, Any] = {"answered": final is not None, "timeouts": timeouts}
    data: dict[str, Any] = {
        "target": f"{host}:{port}",
        "attempts": [
            {
                "n": a.n,
                "status": a.status,
                "reason": a.reason,
                "rtt_ms": a.rtt_ms,
                "provisional": a.provisional,
            }
            for a in tries
        ],
        "interval_s": interval,
    }
    raw = "\n\n".join(log)
    if final is None and any(a.unreachable for a in tries):
        facts["port_unreachable"] = True
        return Result(
            Status.FAIL,
            f"port unreachable: nothing listens on UDP {port} at {host}",
            facts=facts,
            data=data,
            advice=[
                f"{host} answered ICMP port unreachable: no SIP service listens on UDP {port}. "
                "Check that the service runs and listens on that port (ss -ulnp on the peer), "
                "and that the gateway is configured with the right port.",
            ],
            raw=raw,
        )
    if final is None:
        return Result(
            Status.FAIL,
            f"no answer from {host}:{port} to {len(tries)} OPTIONS ({interval:g} s apart)",
            facts=facts,
            data=data,
            advice=[
                "The peer is down, or a firewall/NAT drops SIP: check the route to it and that "
                f"UDP {port} is open both ways.",
                "Enable OPTIONS keepalive (Heartbeat) on the gateway: interval 30 s, retries 3.",
            ],
            raw=raw,
        )
    facts["status_code"] = final.status
    facts["rtt_ms"] = final.rtt_ms
    summary = f"{final.status} {final.reason} from {host}:{port} in {final.rtt_ms:.1f} ms"
    slow = final.rtt_ms is not None and final.rtt_ms > interval * 1000
    if timeouts:
        summary += f" after {timeouts} unanswered attempt(s)"
    if slow:
        summary += f" (slow: answered after the next OPTIONS was due at {interval:g} s)"
    assert final.status is not None
    if final.status >= 500:
        status = Status.FAIL
        advice = [
            f"The peer answers {final.status}: it is up but refuses service (overload, maintenance or no capacity)."
        ]
    elif final.status >= 300:
        status = Status.WARN
        advice = [
            f"The peer is reachable but answers OPTIONS with {final.status}; keepalives still work if it answers consistently."
        ]
    else:
        status = Status.WARN if timeouts or slow else Status.OK
        advice = ["Packet loss on the path: some OPTIONS went unanswered."] if timeouts else []
    if slow:
        advice.append(
            f"The peer answered OPTIONS {final.n} only after {final.rtt_ms / 1000:.1f} s: it is "
            "slow, not unreachable (overload, or a slow DNS or database lookup on its side). "
            "Keepalives with a shorter timeout would mark it down."
        )
    return Result(status, summary, facts=facts, data=data, advice=advice, raw=raw)
