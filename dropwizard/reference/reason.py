"""Parse the SIP Reason header (RFC 3326, RFC 9366): `Q.850;cause=102;text="..."`.

Accepts spaces around `;` and `=`, lower-case protocols, quoted text with escapes, several values
separated by commas, a leading `Reason:` name, and never raises on garbage (it returns fewer values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAM = re.compile(r'\s*;\s*([A-Za-z0-9_.!%*+`\'~-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"?|[^;,\s]*))?\s*')
_PROTO = re.compile(r"\s*([A-Za-z0-9_.!%*+`'~-]+)\s*")


@dataclass
class ReasonValue:
    """One reason-value: protocol (upper case), cause (int or None), text, other params."""

    protocol: str
    cause: int | None = None
    text: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def _unquote(v: str) -> str:
    if v.startswith('"'):
        v = v[1:-1] if v.endswith('"') and len(v) >= 2 else v[1:]
        v = re.sub(r"\\(.)", r"\1", v)
    return v


def parse_reason(header: str | None) -> list[ReasonValue]:
    """All reason values of a Reason header (or its value); [] when there is none."""
    if not header:
        return []
    s = str(header).strip()
    if s[:7].lower() == "reason:":
        s = s[7:]
    out: list[ReasonValue] = []
    pos = 0
    n = len(s)
    while pos < n:
        m = _PROTO.match(s, pos)
        if not m or not m.group(1):
            nxt = s.find(",", pos)
            if nxt < 0:
                break
            pos = nxt + 1
            continue
        value = ReasonValue(protocol=m.group(1).upper())
        pos = m.end()
        while pos < n:
            pm = _PARAM.match(s, pos)
            if not pm:
                break
            key = pm.group(1).lower()
            raw = pm.group(2) or ""
            val = _unquote(raw)
            pos = pm.end()
            if key == "cause":
                digits = val.strip()
                if digits.isdigit() and len(digits) <= 6:
                    value.cause = int(digits)
            elif key == "text":
                value.text = val
            else:
                value.params[key] = val
        out.append(value)
        nxt = s.find(",", pos)
        if nxt < 0:
            break
        pos = nxt + 1
    return out


def q850_from_reason(header: str | None) -> int | None:
    """The Q.850 cause a Reason header carries (the first Q.850 value), or None."""
    for v in parse_reason(header):
        if v.protocol == "Q.850" and v.cause is not None:
            return v.cause
    return None


def sip_from_reason(header: str | None) -> int | None:
    """The SIP cause a Reason header carries (`SIP;cause=200`), or None."""
    for v in parse_reason(header):
        if v.protocol == "SIP" and v.cause is not None:
            return v.cause
    return None
