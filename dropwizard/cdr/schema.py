"""CDR column detection: map the columns a table or CSV really has onto the logical fields.

VOS3000 builds differ (vos3000.md §5): older ones have `callergatewayh323id` /
`calleegatewayh323id` and a single `pdd`, and no `sipreasonheader`; `flownofirst` is newer.
Every logical field maps to a physical column or to a constant, never to a guess.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dropwizard.errors import InputError

TABLE_RE = re.compile(r"^e_cdr(_\d{8})?$")
"""The only table names that ever reach SQL."""

COLUMN_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

LOGICAL: dict[str, tuple[str, ...]] = {
    "flowno": ("flowno",),
    "flownofirst": ("flownofirst",),
    "caller_gw": ("callergatewayid", "callergatewayh323id"),
    "callee_gw": ("calleegatewayid", "calleegatewayh323id"),
    "starttime": ("starttime",),
    "stoptime": ("stoptime",),
    "holdtime": ("holdtime",),
    "callerpdd": ("callerpdd",),
    "calleepdd": ("calleepdd", "pdd"),
    "enddirection": ("enddirection",),
    "endreason": ("endreason",),
    "reason": ("sipreasonheader",),
    "rtpforward": ("rtpforward",),
    "caller": ("callere164",),
    "callee": ("calleee164",),
    "caller_in": ("calleraccesse164",),
    "callee_in": ("calleeaccesse164",),
    "callerip": ("callerip",),
    "calleeip": ("calleeip",),
    "callercallid": ("callercallid",),
    "calleecallid": ("calleecallid",),
}
"""Logical field -> physical column candidates, preferred first."""

REQUIRED: tuple[str, ...] = ("stoptime", "holdtime", "endreason")

NUMERIC: frozenset[str] = frozenset(
    {
        "id",
        "callertype",
        "calleetype",
        "billingmode",
        "calllevel",
        "agentfeetime",
        "starttime",
        "stoptime",
        "callerpdd",
        "calleepdd",
        "pdd",
        "holdtime",
        "feetime",
        "suitefeetime",
        "agentsuitefeetime",
        "flowno",
        "softswitchcallid",
        "rtpforward",
        "enddirection",
        "endreason",
        "billingtype",
        "cdrlevel",
        "agentcdr_id",
        "recordstarttime",
        "flownofirst",
    }
)
"""Integer columns of the VOS3000 schema (the rest are text or floats)."""

STRING_FIELDS: frozenset[str] = frozenset(
    {
        "caller_gw",
        "callee_gw",
        "reason",
        "caller",
        "callee",
        "caller_in",
        "callee_in",
        "callerip",
        "calleeip",
    }
)

ALIASES: dict[str, str] = {
    "callergateway": "callergatewayid",
    "callergw": "callergatewayid",
    "callergatewayname": "callergatewayid",
    "calleegateway": "calleegatewayid",
    "calleegw": "calleegatewayid",
    "calleegatewayname": "calleegatewayid",
    "start": "starttime",
    "stop": "stoptime",
    "begintime": "starttime",
    "endtime": "stoptime",
    "duration": "holdtime",
    "callduration": "holdtime",
    "endreasoncode": "endreason",
    "releasecause": "endreason",
    "reasonheader": "sipreasonheader",
    "sipreason": "sipreasonheader",
    "flownumber": "flowno",
    "callere164number": "callere164",
    "caller": "callere164",
    "callee": "calleee164",
    "callerpddms": "callerpdd",
    "calleepddms": "calleepdd",
    "mediaproxy": "rtpforward",
}
"""CSV header aliases (normalised: lower case, letters and digits only) -> VOS column name."""


def normalise_header(name: str) -> str:
    """Lower case, letters and digits only (so `Caller Gateway`, `caller_gateway` match)."""
    return re.sub(r"[^a-z0-9]", "", name.strip().lstrip("\ufeff").lower())


def canonical_column(name: str, known: Iterable[str]) -> str | None:
    """The VOS column a CSV header names, or None when it is not one we know."""
    key = normalise_header(name)
    for col in known:
        if normalise_header(col) == key:
            return col
    return ALIASES.get(key)


@dataclass
class ColumnMap:
    """Logical field -> physical column (None when absent)."""

    physical: dict[str, str | None] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    charsets: dict[str, str] = field(default_factory=dict)
    """Physical text column -> its MySQL character set (from SHOW FULL COLUMNS; empty for CSV)."""

    @classmethod
    def detect(cls, columns: Iterable[str], where: str = "the CDR table") -> ColumnMap:
        cols = tuple(c.lower() for c in columns)
        have = set(cols)
        phys: dict[str, str | None] = {}
        for logical, candidates in LOGICAL.items():
            phys[logical] = next((c for c in candidates if c in have), None)
        missing = [f for f in REQUIRED if phys[f] is None]
        if missing:
            raise InputError(
                f"{where} has no {', '.join(LOGICAL[m][0] for m in missing)} column: "
                "it is not a VOS3000 CDR table or export (check the header row)"
            )
        for c in phys.values():
            if c is not None and not COLUMN_RE.match(c):
                raise InputError(f"{where}: column name {c!r} is not usable")
        return cls(physical=phys, columns=cols)

    def has(self, logical: str) -> bool:
        return self.physical.get(logical) is not None

    def expr(self, logical: str) -> str:
        """The SQL expression of a logical field: its column, or a typed constant when absent."""
        col = self.physical.get(logical)
        if col is not None:
            return col
        return "''" if logical in STRING_FIELDS else "NULL"

    def codec(self, logical: str) -> str:
        """The Python codec for the bytes of a text field (MySQL character set names mapped)."""
        charset = self.charsets.get(self.physical.get(logical) or "", "utf8").lower()
        return python_codec(charset)

    def missing(self) -> list[str]:
        return [k for k, v in self.physical.items() if v is None]


MYSQL_CODECS: dict[str, str] = {
    "utf8": "utf-8",
    "utf8mb3": "utf-8",
    "utf8mb4": "utf-8",
    "latin1": "cp1252",
    "binary": "utf-8",
    "gb2312": "gbk",
    "ucs2": "utf-16-be",
    "utf16": "utf-16-be",
    "utf32": "utf-32-be",
}
"""MySQL character sets whose Python codec has another name (MySQL's latin1 is cp1252; GBK is a
superset of GB2312, so GB2312 columns holding GBK-only characters still decode)."""


def python_codec(charset: str) -> str:
    """Python codec for a MySQL character set name; UTF-8 when Python does not know it."""
    name = MYSQL_CODECS.get(charset, charset)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def check_table(name: str) -> str:
    """Return the table name if it is a VOS3000 CDR table name, else raise."""
    if not TABLE_RE.match(name):
        raise InputError(f"refusing table name {name!r}: only e_cdr and e_cdr_YYYYMMDD are read")
    return name
