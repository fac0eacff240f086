"""Reference tables: RFC 3398 both ways with vendor views, Reason parsing, cause normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropwizard.reference import (
    CAUSES,
    cause_name,
    normalise,
    parse_reason,
    q850_from_reason,
    q850_to_sip,
    sip_to_q850,
    status_meaning,
)
from dropwizard.reference.rfc3398 import mapping, mappings, views


def test_q850_list_has_the_issue_causes() -> None:
    for c in (
        1,
        3,
        16,
        17,
        18,
        19,
        21,
        22,
        27,
        28,
        31,
        34,
        38,
        41,
        42,
        44,
        47,
        58,
        63,
        65,
        79,
        88,
        102,
        111,
        127,
    ):
        assert c in CAUSES
    assert cause_name(102) == "Recovery on timer expiry"
    assert cause_name(999) == "unknown Q.850 cause 999"


def test_rfc3398_is_asymmetric_and_487_unmapped() -> None:
    assert sip_to_q850(503) == 41
    assert q850_to_sip(34) == 503
    assert sip_to_q850(486) == 17 and sip_to_q850(480) == 18 and sip_to_q850(408) == 102
    assert sip_to_q850(487) is None
    assert q850_to_sip(16) is None
    assert views(503) == {"rfc": 41, "asterisk": 34, "freeswitch": 41}
    assert views(480)["asterisk"] == 19
    assert sip_to_q850(599, "asterisk") == 34
    assert status_meaning(499).startswith("unknown SIP status 499")


def test_reason_variants() -> None:
    assert q850_from_reason('Q.850;cause=102;text="Recovery on timer expiry"') == 102
    assert q850_from_reason('Q.850 ;cause=16 ;text="local"') == 16
    assert q850_from_reason("q.850;cause=21") == 21
    assert q850_from_reason("Reason: Q.850 ; cause = 41") == 41
    both = parse_reason('SIP;cause=200;text="Call completed elsewhere", Q.850;cause=26')
    assert [(v.protocol, v.cause) for v in both] == [("SIP", 200), ("Q.850", 26)]
    assert both[0].text == "Call completed elsewhere"
    assert parse_reason('Q.850;cause=16;text="a, b; c"')[0].text == "a, b; c"
    assert parse_reason("") == [] and parse_reason(None) == []


def test_normalise_priority() -> None:
    assert normalise(200, 'Q.850;cause=102;text="x"').q850 == 102
    assert normalise(200, "Q.850;cause=102").source == "reason"
    assert normalise(503, "").q850 == 41 and normalise(503, "").source == "sip"
    assert normalise(200, "").q850 == 16
    c = normalise(487, None)
    assert c.q850 is None and "487" in c.label
    assert normalise(-69).q850 == 3 and normalise(-69).source == "internal"
    unknown = normalise(-4242)
    assert unknown.q850 is None and "unknown VOS3000 internal code -4242" in unknown.label


@given(
    proto=st.sampled_from(["Q.850", "q.850", "SIP", "sip"]),
    cause=st.integers(min_value=0, max_value=999),
    text=st.text(
        alphabet=st.characters(blacklist_characters='"\\', blacklist_categories=("Cs",)),
        max_size=20,
    ),
    sp1=st.sampled_from(["", " ", "  "]),
    sp2=st.sampled_from(["", " "]),
)
def test_reason_roundtrip(proto: str, cause: int, text: str, sp1: str, sp2: str) -> None:
    header = f'{proto}{sp1};{sp2}cause={cause}{sp1};{sp2}text="{text}"'
    vals = parse_reason(header)
    assert vals[0].protocol == proto.upper()
    assert vals[0].cause == cause
    assert vals[0].text == text


@given(st.text(max_size=80))
def test_reason_never_raises(s: str) -> None:
    for v in parse_reason(s):
        assert v.cause is None or v.cause >= 0


def test_vendor_views_hold_only_documented_codes_and_show_their_fallback() -> None:
    # Asterisk hangup_sip2cause() as standards.md §3.4 documents it
    for status, cause in ((408, 18), (480, 19), (487, 127), (488, 58), (503, 34), (504, 102)):
        m = mapping(status, "asterisk")
        assert (m.cause, m.source, m.fallback) == (cause, "asterisk", False)
    unknown = mapping(599, "asterisk")
    assert (unknown.cause, unknown.source, unknown.note) == (34, "asterisk", "unknown 5xx")
    # not documented for Asterisk: the RFC value, marked as such
    m = mapping(404, "asterisk")
    assert (m.cause, m.source, m.fallback) == (1, "rfc3398", True)
    assert "not documented" in m.note
    assert mapping(500, "asterisk").source == "rfc3398"
    assert mapping(499, "asterisk").to_dict() == {
        "view": "asterisk",
        "status": 499,
        "cause": None,
        "source": "rfc3398",
        "fallback": True,
        "note": "RFC 3398 gives no mapping",
    }
    # FreeSWITCH sofia_glue_sip_cause_to_freeswitch()
    for status, cause in ((408, 102), (504, 102), (480, 18), (486, 17), (600, 17), (503, 41)):
        m = mapping(status, "freeswitch")
        assert (m.cause, m.source, m.fallback) == (cause, "freeswitch", False)
    assert "1 or 3" in mapping(404, "freeswitch").note
    cancel = mapping(487, "freeswitch")
    assert cancel.cause is None and cancel.source == "freeswitch" and "not a Q.850" in cancel.note
    for status in (488, 606, 603, 502):  # no FreeSWITCH value in the notes
        m = mapping(status, "freeswitch")
        assert m.fallback and m.cause == sip_to_q850(status)
    # the RFC view is never a fallback
    assert all(not mapping(s).fallback and mapping(s).source == "rfc3398" for s in (404, 487))
    side = mappings(503)
    assert {v: m.cause for v, m in side.items()} == views(503)
    assert [m.source for m in side.values()] == ["rfc3398", "asterisk", "freeswitch"]


def test_unknown_view_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown mapping view"):
        sip_to_q850(503, "kamailio")
