"""SIP status <-> Q.850 cause mapping: RFC 3398 both ways, plus the Asterisk and FreeSWITCH views.

The mapping is not symmetric: cause 34 becomes 503, but 503 becomes 41. 487 has no Q.850 mapping
in the RFC. Vendors deviate, so every lookup can show the RFC view and the vendor views.

The vendor tables hold only the codes the reference notes document (standards.md §3.4): Asterisk
chan_pjsip `hangup_sip2cause()` 408 -> 18, 480 -> 19, 487 -> 127, 488 -> 58, 503 -> 34, 504 -> 102
and unknown 5xx -> 34; FreeSWITCH `sofia_glue_sip_cause_to_freeswitch()` 408/504 -> 102, 480 -> 18,
486/600 -> 17, 400/481/500/503 -> 41, 404 -> 1 or 3 depending on the version, 482/483 -> 25, 487 ->
its own ORIGINATOR_CANCEL (not Q.850). For any other status a vendor view falls back to the RFC
3398 table, and `mapping()` says so: its `source` is then "rfc3398", not the vendor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SIP_TO_Q850: dict[int, int] = {
    400: 41,
    401: 21,
    402: 21,
    403: 21,
    404: 1,
    405: 63,
    406: 79,
    407: 21,
    408: 102,
    410: 22,
    413: 127,
    414: 127,
    415: 79,
    416: 127,
    420: 127,
    421: 127,
    423: 127,
    480: 18,
    481: 41,
    482: 25,
    483: 25,
    484: 28,
    485: 1,
    486: 17,
    500: 41,
    501: 79,
    502: 38,
    503: 41,
    504: 102,
    505: 127,
    513: 127,
    600: 17,
    603: 21,
    604: 1,
}
"""RFC 3398 §7.2.4.1: SIP response received -> ISUP cause (487, 488, 606 have no fixed mapping)."""

Q850_TO_SIP: dict[int, int] = {
    1: 404,
    2: 404,
    3: 404,
    17: 486,
    18: 408,
    19: 480,
    20: 480,
    31: 480,
    21: 403,
    22: 410,
    23: 410,
    26: 404,
    27: 502,
    28: 484,
    29: 501,
    34: 503,
    38: 503,
    41: 503,
    42: 503,
    47: 503,
    58: 503,
    88: 503,
    55: 403,
    57: 403,
    87: 403,
    65: 488,
    70: 488,
    79: 501,
    102: 504,
    111: 500,
    127: 500,
}
"""RFC 3398 §8.2.6.1: ISUP cause received -> SIP response (16 ends with BYE/CANCEL, no status)."""

ASTERISK_SIP_TO_Q850: dict[int, int] = {
    408: 18,
    480: 19,
    487: 127,
    488: 58,
    503: 34,
    504: 102,
}
"""Asterisk chan_pjsip hangup_sip2cause(): the documented codes only (standards.md §3.4)."""

ASTERISK_UNKNOWN_5XX = 34
"""Asterisk's cause for a 5xx it has no entry for (congestion)."""

FREESWITCH_SIP_TO_Q850: dict[int, int] = {
    400: 41,
    404: 1,
    408: 102,
    480: 18,
    481: 41,
    482: 25,
    483: 25,
    486: 17,
    500: 41,
    503: 41,
    504: 102,
    600: 17,
}
"""FreeSWITCH sofia_glue_sip_cause_to_freeswitch(): the documented codes only (standards.md §3.4)."""

FREESWITCH_NOTES: dict[int, str] = {
    404: "1 or 3 depending on the FreeSWITCH version",
    487: "ORIGINATOR_CANCEL, FreeSWITCH's own value 487, not a Q.850 cause",
}

VIEWS = ("rfc", "asterisk", "freeswitch")


@dataclass(frozen=True)
class CauseMapping:
    """The Q.850 cause one view gives a SIP status, and which table it came from.

    `source` is "rfc3398", "asterisk" or "freeswitch"; a vendor view whose source is "rfc3398"
    fell back to the RFC because the vendor's value for this status is not documented.
    """

    view: str
    status: int
    cause: int | None
    source: str
    note: str = ""

    @property
    def fallback(self) -> bool:
        return self.view != "rfc" and self.source == "rfc3398"

    def to_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "status": self.status,
            "cause": self.cause,
            "source": self.source,
            "fallback": self.fallback,
            "note": self.note,
        }


def _rfc(view: str, status: int, note: str = "") -> CauseMapping:
    cause = SIP_TO_Q850.get(status)
    if not note:
        note = "" if cause is not None else "RFC 3398 gives no mapping"
    return CauseMapping(view, status, cause, "rfc3398", note)


def mapping(status: int, view: str = "rfc") -> CauseMapping:
    """The cause for a SIP status in one view (`rfc`, `asterisk`, `freeswitch`), with its source.

    A vendor view answers from its documented codes (and Asterisk's unknown-5xx rule for a 5xx
    that neither table lists); otherwise it falls back to RFC 3398 and says so in `source`.
    """
    if view == "asterisk":
        if status in ASTERISK_SIP_TO_Q850:
            return CauseMapping(view, status, ASTERISK_SIP_TO_Q850[status], "asterisk")
        if status in SIP_TO_Q850:
            return _rfc(view, status, "Asterisk's value not documented; RFC 3398 shown")
        if 500 <= status < 600:
            return CauseMapping(view, status, ASTERISK_UNKNOWN_5XX, "asterisk", "unknown 5xx")
        return _rfc(view, status)
    if view == "freeswitch":
        note = FREESWITCH_NOTES.get(status, "")
        if status in FREESWITCH_SIP_TO_Q850 or status in FREESWITCH_NOTES:
            return CauseMapping(
                view, status, FREESWITCH_SIP_TO_Q850.get(status), "freeswitch", note
            )
        if status in SIP_TO_Q850:
            return _rfc(view, status, "FreeSWITCH's value not documented; RFC 3398 shown")
        return _rfc(view, status)
    if view != "rfc":
        raise ValueError(f"unknown mapping view {view!r}")
    return _rfc(view, status)


def sip_to_q850(status: int, view: str = "rfc") -> int | None:
    """Q.850 cause for a SIP status: view is `rfc`, `asterisk` or `freeswitch`; None = no mapping.

    Vendor views fall back to RFC 3398 for statuses they do not document; `mapping()` tells which.
    """
    return mapping(status, view).cause


def q850_to_sip(cause: int) -> int | None:
    """SIP status for a Q.850 cause per RFC 3398 (None for 16: the call ends with BYE/CANCEL)."""
    return Q850_TO_SIP.get(cause)


def views(status: int) -> dict[str, int | None]:
    """The causes of the RFC and the vendor views side by side; `mappings()` adds their sources."""
    return {v: sip_to_q850(status, v) for v in VIEWS}


def mappings(status: int) -> dict[str, CauseMapping]:
    """Every view's mapping of a SIP status, each with its source and any fallback visible."""
    return {v: mapping(status, v) for v in VIEWS}
