"""Release-cause normalisation: Reason header first, then the SIP status, then the internal code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from dropwizard.reference.q850 import cause_name
from dropwizard.reference.reason import q850_from_reason, sip_from_reason
from dropwizard.reference.rfc3398 import sip_to_q850
from dropwizard.reference.sip import status_meaning
from dropwizard.reference.vos import INTERNAL_Q850, internal_meaning


@dataclass(frozen=True)
class Cause:
    """A normalised release cause.

    q850 is None when nothing maps (e.g. SIP 487, an unknown internal code); `source` says where it
    came from: `reason`, `sip`, `internal` or `none`; `label` is a readable one-liner.
    """

    q850: int | None
    source: str
    sip_status: int | None
    internal: int | None
    label: str


@lru_cache(maxsize=4096)
def normalise(endreason: int | None, reason_header: str | None = None) -> Cause:
    """Normalise one CDR's `endreason` and `sipreasonheader`."""
    sip_status = endreason if endreason is not None and endreason > 0 else None
    internal = endreason if endreason is not None and endreason < 0 else None
    q = q850_from_reason(reason_header)
    if q is not None:
        return Cause(
            q, "reason", sip_status, internal, f"Q.850 {q} {cause_name(q)} (Reason header)"
        )
    reason_sip = sip_from_reason(reason_header)
    if sip_status is None and reason_sip is not None:
        sip_status = reason_sip
    if sip_status is not None:
        if 200 <= sip_status < 300:
            return Cause(
                16, "sip", sip_status, internal, f"Q.850 16 {cause_name(16)} (SIP {sip_status})"
            )
        mapped = sip_to_q850(sip_status)
        if mapped is not None:
            return Cause(
                mapped,
                "sip",
                sip_status,
                internal,
                f"Q.850 {mapped} {cause_name(mapped)} (SIP {sip_status} {status_meaning(sip_status)})",
            )
        return Cause(
            None,
            "sip",
            sip_status,
            internal,
            f"SIP {sip_status} {status_meaning(sip_status)} (no Q.850 mapping)",
        )
    if internal is not None:
        mapped = INTERNAL_Q850.get(internal)
        return Cause(
            mapped, "internal", None, internal, f"VOS {internal}: {internal_meaning(internal)}"
        )
    if endreason == 0:
        return Cause(None, "none", None, None, "end reason 0 (not recorded)")
    return Cause(None, "none", None, None, "no end reason")
