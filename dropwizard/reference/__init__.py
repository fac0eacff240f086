"""Reference tables: Q.850 causes, SIP statuses, RFC 3398 mapping, Reason header, VOS3000 codes."""

from dropwizard.reference.causes import Cause, normalise
from dropwizard.reference.q850 import CAUSES, cause_name
from dropwizard.reference.reason import ReasonValue, parse_reason, q850_from_reason
from dropwizard.reference.rfc3398 import q850_to_sip, sip_to_q850
from dropwizard.reference.sip import STATUSES, status_meaning
from dropwizard.reference.vos import direction_name, internal_meaning

__all__ = [
    "CAUSES",
    "STATUSES",
    "Cause",
    "ReasonValue",
    "cause_name",
    "direction_name",
    "internal_meaning",
    "normalise",
    "parse_reason",
    "q850_from_reason",
    "q850_to_sip",
    "sip_to_q850",
    "status_meaning",
]
