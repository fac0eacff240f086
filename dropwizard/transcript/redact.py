"""Keeping secrets and phone numbers out of transcripts and exports.

`scrub` runs on every event before it is written and on every export: it removes secrets.

- A dict key named `password`, `passwd`, `secret` or `token` (any case, also as a suffix such
  as `mysql_password` or `api-token`) gets the value `"***"`.
- A URI with a password (`mysql://user:pw@host/db`, any scheme) loses the password part:
  `mysql://user@host/db`.
- `password=...`, `secret: ...` and the like inside free text get `***` as value.
- Values that JSON cannot hold are made plain: datetimes become UTC ISO strings with `Z`, enums
  their value, paths strings, objects with `to_dict()` their dict, sets sorted lists, and
  NaN/infinity `None`.

`redact` runs on exports when asked (`--redact`): it hides phone numbers.

- A phone number is a run of 6 or more digits, optionally starting with `+` and with single
  spaces or dashes between digits (`+8613800138000`, `+86 138 0013 8000`, `138-0013-8000`).
- It becomes `****` followed by its last 4 digits, whatever its length: `+8613800138000` ->
  `****8000`. The fixed-width mask hides the length too. Redacting twice changes nothing.
- Every string is redacted, dict keys included, at any depth (evidence data too). Numbers stored
  as JSON numbers (epoch times, counters) are not strings and stay.
- Kept as they are: real UTC dates and times (`2026-11-28`, `2026-11-28T14:05:00.123Z`,
  `20261128T140500Z` as in session ids), the daily CDR table names (`e_cdr_20261128`),
  standard names (`Q.850 102` stays, `RFC 4028`), IP addresses (their digit groups are short),
  and the values of `session_id` and `flow_digest` (identifiers, not numbers of people).
- The rule cannot tell a phone number from other long digit runs: `1768-1772` or
  `120 180 300` in a sentence are masked too. Write ranges as `1768..1772` or `1768 to 1772`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from enum import Enum
from pathlib import PurePath
from typing import Any

MASK = "****"
"""What replaces the hidden digits of a phone number."""

SECRET_WORDS: tuple[str, ...] = ("password", "passwd", "secret", "token")
SECRET_VALUE = "***"
KEEP_KEYS: frozenset[str] = frozenset({"session_id", "flow_digest"})
"""Keys whose string values are identifiers and are never redacted."""

_URI_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^:@/\s]*):[^/\s]*@")
_TEXT_SECRET = re.compile(
    r"(?i)\b(?P<key>password|passwd|secret|token)(?P<sep>[\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]+"
)
_PHONE = re.compile(r"\+?\d(?:[ -]?\d){5,}")
_PROTECTED = re.compile(
    r"(?<!\d)(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
    r"|(?<!\d)\d{8}T\d{4,6}(?:\.\d+)?Z?(?!\d)"
    r"|e_cdr_\d{8}(?!\d)"
    r"|\b[A-Z]\.\d{3}(?!\d)"
    r"|\bRFC ?\d{3,5}(?!\d)"
)


def is_secret_key(key: str) -> bool:
    """True for `password`, `passwd`, `secret`, `token` and names ending in `_`/`-` + one."""
    k = key.lower()
    return any(k == w or k.endswith(("_" + w, "-" + w)) for w in SECRET_WORDS)


def scrub_text(text: str) -> str:
    """Remove URI passwords and `password=...` values from free text."""
    if "://" in text:
        text = _URI_PASSWORD.sub(r"\g<head>@", text)
    return _TEXT_SECRET.sub(rf"\g<key>\g<sep>{SECRET_VALUE}", text)


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def scrub(value: Any) -> Any:
    """A JSON-ready copy of `value` with every secret removed (see the module docstring)."""
    if isinstance(value, str):
        return scrub_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Enum):
        return scrub(value.value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return scrub_text(str(value))
    if isinstance(value, bytes):
        return scrub_text(value.decode("utf-8", "replace"))
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k.value if isinstance(k, Enum) else k)
            out[key] = SECRET_VALUE if is_secret_key(key) and v is not None else scrub(v)
        return out
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [scrub(v) for v in sorted(value, key=repr)]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return scrub(to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return scrub(dataclasses.asdict(value))
    return scrub_text(str(value))


def _mask(match: re.Match[str]) -> str:
    digits = [c for c in match.group(0) if c.isdigit()]
    return MASK + "".join(digits[-4:])


def redact_text(text: str) -> str:
    """Hide every phone number in `text` but its last 4 digits; dates and times stay."""
    out: list[str] = []
    pos = 0
    for m in _PROTECTED.finditer(text):
        out.append(_PHONE.sub(_mask, text[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_PHONE.sub(_mask, text[pos:]))
    return "".join(out)


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with phone numbers hidden in every string and key."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = redact_text(str(k))
            n = 2
            while key in out:
                key = f"{redact_text(str(k))} ({n})"
                n += 1
            out[key] = v if k in KEEP_KEYS and isinstance(v, str) else redact(v)
        return out
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value
