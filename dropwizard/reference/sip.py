"""SIP response status codes with short meanings (RFC 3261 and extensions)."""

from __future__ import annotations

STATUSES: dict[int, str] = {
    100: "Trying",
    180: "Ringing",
    181: "Call is being forwarded",
    182: "Queued",
    183: "Session progress",
    200: "OK",
    202: "Accepted",
    300: "Multiple choices",
    301: "Moved permanently",
    302: "Moved temporarily",
    305: "Use proxy",
    380: "Alternative service",
    400: "Bad request",
    401: "Unauthorized",
    402: "Payment required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    407: "Proxy authentication required",
    408: "Request timeout",
    410: "Gone",
    413: "Request entity too large",
    414: "Request-URI too long",
    415: "Unsupported media type",
    416: "Unsupported URI scheme",
    420: "Bad extension",
    421: "Extension required",
    422: "Session interval too small",
    423: "Interval too brief",
    480: "Temporarily unavailable",
    481: "Call/transaction does not exist",
    482: "Loop detected",
    483: "Too many hops",
    484: "Address incomplete",
    485: "Ambiguous",
    486: "Busy here",
    487: "Request terminated",
    488: "Not acceptable here",
    491: "Request pending",
    493: "Undecipherable",
    500: "Server internal error",
    501: "Not implemented",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Server time-out",
    505: "Version not supported",
    513: "Message too large",
    600: "Busy everywhere",
    603: "Decline",
    604: "Does not exist anywhere",
    606: "Not acceptable",
}


def status_meaning(status: int | None) -> str:
    """The meaning of a SIP status, or a visible 'unknown' label."""
    if status is None:
        return "no status"
    if status in STATUSES:
        return STATUSES[status]
    klass = {
        1: "provisional",
        2: "success",
        3: "redirection",
        4: "client error",
        5: "server error",
        6: "global failure",
    }.get(status // 100)
    return f"unknown SIP status {status}" + (f" ({klass})" if klass else "")
