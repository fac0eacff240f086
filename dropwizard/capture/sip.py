"""SIP message parsing: start line, headers (compact forms), Reason, Session-Expires, framing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

COMPACT: dict[str, str] = {
    "i": "call-id",
    "m": "contact",
    "e": "content-encoding",
    "l": "content-length",
    "c": "content-type",
    "f": "from",
    "s": "subject",
    "k": "supported",
    "t": "to",
    "v": "via",
    "x": "session-expires",
    "o": "event",
    "r": "refer-to",
    "b": "referred-by",
    "u": "allow-events",
    "y": "identity",
}
METHODS = frozenset(
    {
        "INVITE",
        "ACK",
        "BYE",
        "CANCEL",
        "OPTIONS",
        "REGISTER",
        "PRACK",
        "UPDATE",
        "INFO",
        "SUBSCRIBE",
        "NOTIFY",
        "REFER",
        "MESSAGE",
        "PUBLISH",
    }
)
_SIP_START = (*(m.encode() + b" " for m in METHODS), b"SIP/2.0 ")
_CL = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)", re.I | re.M)
_TAG = re.compile(r";\s*tag\s*=\s*([^;>\s,]+)", re.I)
_URI = re.compile(r"<([^>]*)>|((?:sips?|tel):[^;\s,>]+)", re.I)
_PARAM = re.compile(r'\s*([A-Za-z0-9_.!%*+`\'~-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*))?')


def looks_like_sip(data: bytes) -> bool:
    """True when the bytes start like a SIP request or response."""
    return data.startswith(_SIP_START)


@dataclass
class SipMessage:
    """One parsed SIP message. Header names are lower case, compact forms expanded."""

    method: str | None
    status: int | None
    reason_phrase: str
    uri: str
    headers: dict[str, list[str]]
    body: bytes
    size: int
    truncated: bool = False

    @property
    def is_request(self) -> bool:
        return self.method is not None

    def get(self, name: str, default: str = "") -> str:
        v = self.headers.get(name)
        return v[0] if v else default

    def all(self, name: str) -> list[str]:
        """Every value of a header, comma-separated lists split outside quotes and <>."""
        out: list[str] = []
        for v in self.headers.get(name, []):
            out.extend(split_commas(v))
        return out

    @property
    def call_id(self) -> str:
        return self.get("call-id").strip()

    @property
    def cseq(self) -> tuple[int, str]:
        parts = self.get("cseq").split()
        if len(parts) >= 2 and parts[0].isdigit():
            return int(parts[0]), parts[1].upper()
        return -1, ""

    @property
    def from_tag(self) -> str:
        m = _TAG.search(self.get("from"))
        return m.group(1) if m else ""

    @property
    def to_tag(self) -> str:
        m = _TAG.search(self.get("to"))
        return m.group(1) if m else ""

    @property
    def has_sdp(self) -> bool:
        ctype = self.get("content-type").lower()
        return b"v=0" in self.body[:4096] and ("sdp" in ctype or "multipart" in ctype or not ctype)

    @property
    def label(self) -> str:
        """Short ladder text: `INVITE` or `200 OK`."""
        if self.method:
            return self.method
        return f"{self.status} {self.reason_phrase}".strip()


def split_commas(value: str) -> list[str]:
    """Split a header value on commas that are outside quotes and angle brackets."""
    out: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, ch in enumerate(value):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            out.append(value[start:i].strip())
            start = i + 1
    tail = value[start:].strip()
    if tail:
        out.append(tail)
    return [v for v in out if v]


def parse_headers(lines: Iterable[str]) -> dict[str, list[str]]:
    """Header lines to {lower-case full name: [values]}: compact names expanded, folded lines
    joined, blank lines and lines without a colon skipped."""
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in lines:
        if not line or line.isspace():
            continue
        if line[0] in " \t" and last is not None:
            headers[last][-1] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            continue
        key = name.strip().lower()
        key = COMPACT.get(key, key)
        headers.setdefault(key, []).append(value.strip())
        last = key
    return headers


def parse_message(data: bytes) -> SipMessage | None:
    """Parse one SIP message; None when the bytes are not SIP."""
    hdr_end = data.find(b"\r\n\r\n")
    sep = 4
    if hdr_end < 0:
        hdr_end = data.find(b"\n\n")
        sep = 2
    truncated = hdr_end < 0
    if truncated:
        hdr_end = len(data)
        sep = 0
    text = data[:hdr_end].decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").split("\n")
    first = lines[0].strip()
    method: str | None = None
    status: int | None = None
    phrase = ""
    uri = ""
    if first.startswith("SIP/2.0 "):
        parts = first.split(" ", 2)
        if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) != 3:
            return None
        status = int(parts[1])
        phrase = parts[2].strip() if len(parts) > 2 else ""
    else:
        parts = first.split(" ")
        if len(parts) != 3 or parts[2].upper() != "SIP/2.0" or not parts[0].isalpha():
            return None
        method = parts[0].upper()
        uri = parts[1]
    headers = parse_headers(lines[1:])
    body = data[hdr_end + sep :]
    clen = headers.get("content-length")
    if clen and clen[0].isdigit():
        n = int(clen[0])
        if n < len(body):
            body = body[:n]
        elif n > len(body):
            truncated = True
    return SipMessage(method, status, phrase, uri, headers, body, len(data), truncated)


def frame_stream(buf: bytearray) -> list[bytes]:
    """Cut complete SIP messages off the front of a TCP stream buffer (Content-Length framing).

    Leading CRLF keepalives are dropped; an incomplete message stays in `buf`.
    """
    out: list[bytes] = []
    while True:
        i = 0
        n = len(buf)
        while i < n and buf[i] in (13, 10):
            i += 1
        if i:
            del buf[:i]
        if not buf:
            return out
        hdr_end = buf.find(b"\r\n\r\n")
        if hdr_end < 0:
            return out
        head = bytes(buf[:hdr_end])
        m = _CL.search(head)
        clen = int(m.group(1)) if m else 0
        total = hdr_end + 4 + clen
        if len(buf) < total:
            return out
        out.append(bytes(buf[:total]))
        del buf[:total]


@dataclass
class Reason:
    """One Reason header value (RFC 3326): protocol, cause and text."""

    protocol: str
    cause: int | None = None
    text: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"protocol": self.protocol, "cause": self.cause, "text": self.text}

    def __str__(self) -> str:
        s = self.protocol
        if self.cause is not None:
            s += f";cause={self.cause}"
        if self.text:
            s += f';text="{self.text}"'
        return s


def parse_reason(value: str) -> list[Reason]:
    """Parse a Reason header value; several comma-separated values, any spacing or case."""
    out: list[Reason] = []
    for part in split_commas(value):
        proto, _, rest = part.partition(";")
        proto = proto.strip()
        if not proto:
            continue
        up = proto.upper()
        proto = "Q.850" if up == "Q.850" else ("SIP" if up == "SIP" else proto)
        params = parse_params(rest)
        cause: int | None = None
        c = params.get("cause", "")
        if c.isdigit():
            cause = int(c)
        text = params.get("text")
        out.append(Reason(proto, cause, text, params))
    return out


def parse_params(text: str) -> dict[str, str]:
    """`a=1 ; b="x y" ;c` into a dict with lower-case names and unquoted values."""
    out: dict[str, str] = {}
    for piece in text.split(";"):
        m = _PARAM.match(piece)
        if not m or not m.group(1):
            continue
        v = (m.group(2) or "").strip()
        if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            v = v[1:-1].replace('\\"', '"')
        out[m.group(1).lower()] = v
    # quoted text may contain ';': take it from the raw text when present
    q = re.search(r'text\s*=\s*"((?:[^"\\]|\\.)*)"', text, re.I)
    if q:
        out["text"] = q.group(1).replace('\\"', '"')
    return out


def parse_session_expires(value: str) -> tuple[int | None, str | None]:
    """`1800;refresher=uac` -> (1800, "uac")."""
    num, _, rest = value.partition(";")
    num = num.strip()
    se = int(num) if num.isdigit() else None
    ref = parse_params(rest).get("refresher")
    return se, (ref.lower() if ref else None)


def uri_of(value: str) -> str:
    """The URI inside a From/To/Contact value, without parameters outside <>."""
    m = _URI.search(value)
    if not m:
        return value.split(";")[0].strip()
    return (m.group(1) or m.group(2) or "").strip()


def user_host(value: str) -> str:
    """`user@host` of a From/To value (scheme and URI parameters dropped)."""
    uri = uri_of(value)
    for scheme in ("sips:", "sip:", "tel:"):
        if uri.lower().startswith(scheme):
            uri = uri[len(scheme) :]
            break
    return uri.split(";")[0].split("?")[0]


def host_of(value: str) -> str:
    """Host part of a Contact/URI value (no port)."""
    uh = user_host(value)
    host = uh.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.split(":")[0]


def parse_via(value: str) -> dict[str, str | None]:
    """Top Via value: transport, sent-by, and the received/rport a proxy added."""
    proto, _, rest = value.strip().partition(" ")
    sent_by, _, params = rest.strip().partition(";")
    p = parse_params(params)
    return {
        "transport": proto.rpartition("/")[2].upper() or None,
        "sent_by": sent_by.strip() or None,
        "received": p.get("received") or None,
        "rport": p.get("rport") or None,
    }
