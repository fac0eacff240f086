"""SIP status <-> Q.850 cause mapping: RFC 3398 both ways, plus the Asterisk and FreeSWITCH views.

The mapping is not symmetric: cause 34 becomes 503, but 503 becomes 41. 487 has no Q.850 mapping
in the RFC. Vendors deviate, so every lookup can show the RFC view and the vendor views.
"""

from __future__ import annotations

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
    **SIP_TO_Q850,
    408: 18,
    480: 19,
    487: 127,
    503: 34,
    504: 102,
    488: 58,
}
"""Asterisk chan_pjsip hangup_sip2cause() where it deviates (unknown 5xx -> 34)."""

FREESWITCH_SIP_TO_Q850: dict[int, int] = {
    **SIP_TO_Q850,
    408: 102,
    504: 102,
    480: 18,
    486: 17,
    600: 17,
    400: 41,
    481: 41,
    500: 41,
    503: 41,
    404: 1,
    482: 25,
    483: 25,
}
"""FreeSWITCH sofia_glue_sip_cause_to_freeswitch() (487 -> its own ORIGINATOR_CANCEL, not Q.850)."""


def sip_to_q850(status: int, view: str = "rfc") -> int | None:
    """Q.850 cause for a SIP status: view is `rfc`, `asterisk` or `freeswitch`; None = no mapping."""
    if view == "asterisk":
        if status in ASTERISK_SIP_TO_Q850:
            return ASTERISK_SIP_TO_Q850[status]
        return 34 if 500 <= status < 600 else None
    if view == "freeswitch":
        return FREESWITCH_SIP_TO_Q850.get(status)
    if view != "rfc":
        raise ValueError(f"unknown mapping view {view!r}")
    return SIP_TO_Q850.get(status)


def q850_to_sip(cause: int) -> int | None:
    """SIP status for a Q.850 cause per RFC 3398 (None for 16: the call ends with BYE/CANCEL)."""
    return Q850_TO_SIP.get(cause)


def views(status: int) -> dict[str, int | None]:
    """The RFC and the vendor views side by side, for tables and explanations."""
    return {v: sip_to_q850(status, v) for v in ("rfc", "asterisk", "freeswitch")}
