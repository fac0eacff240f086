"""ITU-T Q.850 cause values with their names (as used in RFC 3398 tables)."""

from __future__ import annotations

CAUSES: dict[int, str] = {
    1: "Unallocated (unassigned) number",
    2: "No route to specified transit network",
    3: "No route to destination",
    6: "Channel unacceptable",
    16: "Normal call clearing",
    17: "User busy",
    18: "No user responding",
    19: "No answer from user (user alerted)",
    20: "Subscriber absent",
    21: "Call rejected",
    22: "Number changed",
    23: "Redirection to new destination",
    25: "Exchange routing error",
    26: "Non-selected user clearing",
    27: "Destination out of order",
    28: "Invalid number format (incomplete number)",
    29: "Facility rejected",
    31: "Normal, unspecified",
    34: "No circuit/channel available",
    38: "Network out of order",
    41: "Temporary failure",
    42: "Switching equipment congestion",
    44: "Requested circuit/channel not available",
    47: "Resource unavailable, unspecified",
    55: "Incoming calls barred within CUG",
    57: "Bearer capability not authorized",
    58: "Bearer capability not presently available",
    63: "Service or option not available, unspecified",
    65: "Bearer capability not implemented",
    70: "Only restricted digital information bearer capability is available",
    79: "Service or option not implemented, unspecified",
    87: "User not member of CUG",
    88: "Incompatible destination",
    102: "Recovery on timer expiry",
    111: "Protocol error, unspecified",
    127: "Interworking, unspecified",
}

NORMAL: frozenset[int] = frozenset({16, 31})
"""Causes that mean the call ended normally."""


def cause_name(cause: int | None) -> str:
    """The Q.850 name of a cause, or a visible 'unknown' label."""
    if cause is None:
        return "no cause"
    return CAUSES.get(cause, f"unknown Q.850 cause {cause}")
