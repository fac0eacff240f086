"""What the operator is diagnosing: one call, one gateway, or a time window."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from dropwizard.errors import InputError

_REL = re.compile(r"^-(\d+)\s*([smhdw])$")
FORMS = "use ISO 8601 like 2026-11-28T14:00 (UTC) or relative like -24h"
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
CALL_WINDOW = timedelta(minutes=2)
"""A single-call lookup searches this far either side of the reported time."""
SUFFIX_MIN = 6
"""A number of at least this many digits also matches CDR numbers that end with it (country
codes, tech prefixes); shorter ones (extensions) only match as written."""
_SEPARATORS = re.compile(r"[\s().-]")
_TRUNK_IN_BRACKETS = re.compile(r"(?<=\d)\s*\(0\)")
_NUMBER = re.compile(r"\+?[0-9A-Za-z*#._-]{1,64}")
_WRITTEN = re.compile(r"[0-9A-Za-z*#._()+\s-]{1,96}")


def normalise_number(text: str) -> str:
    """A reported phone number as the CDRs hold it, for the call lookup.

    Spaces, dashes, dots and parentheses go, and so do a leading `+` or an international `00`
    (when at least SUFFIX_MIN digits remain, so a short `00` extension stays as it is) and a
    `(0)` trunk digit written after the country code: `+86 131-693-292`, `0086 131693292` and
    `86131693292` are one number. Anything that is not a phone number once the separators are
    gone (a SIP user name, a number with `*` or `#`) is kept as written, without its outer blanks.
    """
    t = text.strip()
    work = _TRUNK_IN_BRACKETS.sub("", t) if t.startswith(("+", "00")) else t
    compact = _SEPARATORS.sub("", work)
    if not re.fullmatch(r"\+?[0-9]+", compact):
        return t
    if compact.startswith("+"):
        return compact[1:]
    if compact.startswith("00") and len(compact) - 2 >= SUFFIX_MIN:
        return compact[2:]
    return compact


def number_forms(number: str) -> list[str]:
    """The forms a call lookup tries: the normalised number and, for a national number, the
    number without its trunk `0` (the CDRs may hold it with the country code instead)."""
    n = normalise_number(number)
    forms = [n]
    if n.isdigit() and n.startswith("0") and not n.startswith("00") and len(n) > SUFFIX_MIN:
        forms.append(n[1:])
    return forms


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """Parse ISO 8601 (UTC unless it carries an offset) or a relative `-24h`."""
    now = now or datetime.now(timezone.utc)
    t = text.strip()
    m = _REL.match(t)
    if m:
        try:
            return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        except OverflowError:
            raise InputError(f"time {text!r} is out of range (before year 1): {FORMS}") from None
    if t.lower() == "now":
        return now
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise InputError(f"cannot read time {text!r}: {FORMS}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:
        raise InputError(f"time {text!r} is out of range in UTC: {FORMS}") from None


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a trailing Z, seconds precision."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Scope:
    """The problem as the operator reported it.

    kind is "call" (number + at), "gateway" (gateway within since/until) or
    "window" (everything within since/until).
    """

    kind: str = "window"
    since: datetime | None = None
    until: datetime | None = None
    gateway: str | None = None
    number: str | None = None
    at: datetime | None = None

    @classmethod
    def for_call(cls, spec: str, *, now: datetime | None = None) -> Scope:
        """`NUMBER@TIME`: the CDRs of that number within ±2 minutes of TIME.

        The number is kept normalised (`normalise_number`): `+86 131-693-292@...` looks up
        86131693292."""
        if "@" not in spec:
            raise InputError(
                f"--call {spec!r}: write NUMBER@TIME, e.g. 8613800138000@2026-11-28T14:05"
            )
        written, _, when = spec.partition("@")
        number = normalise_number(written) if _WRITTEN.fullmatch(written.strip()) else ""
        if not _NUMBER.fullmatch(number):
            raise InputError(
                f"--call {spec!r}: the number may hold digits, letters, + * # . _ - only "
                "(spaces and parentheses only between the digits of a phone number)"
            )
        at = parse_time(when, now=now)
        try:
            since, until = at - CALL_WINDOW, at + CALL_WINDOW
        except OverflowError:
            raise InputError(
                f"--call {spec!r}: the time is out of range (the lookup searches 2 minutes either "
                "side): write NUMBER@TIME, e.g. 8613800138000@2026-11-28T14:05"
            ) from None
        return cls(kind="call", number=number, at=at, since=since, until=until)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("since", "until", "at"):
            d[k] = iso(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scope:
        def t(v: str | None) -> datetime | None:
            return parse_time(v) if v else None

        return cls(
            kind=d.get("kind", "window"),
            since=t(d.get("since")),
            until=t(d.get("until")),
            gateway=d.get("gateway"),
            number=d.get("number"),
            at=t(d.get("at")),
        )

    def describe(self) -> str:
        """One line for headers and tickets."""
        if self.kind == "call":
            return f"call {self.number} at {iso(self.at)}"
        span = f"{iso(self.since) or 'start'} .. {iso(self.until) or 'now'}"
        if self.gateway:
            return f"gateway {self.gateway}, {span}"
        return f"window {span}"
