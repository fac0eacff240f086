"""Phone-number redaction: examples of the documented rule, and properties over arbitrary text."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dropwizard.transcript.redact import _PROTECTED, redact, redact_text

RUN = re.compile(r"\d(?:[ -]?\d)*")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+8613800138000", "****8000"),
        ("8613800138000", "****8000"),
        ("call +86 138 0013 8000 dropped", "call ****8000 dropped"),
        ("0044-20-7946-0958", "****0958"),
        ("sip:8613800138000@10.20.30.40:5060", "sip:****8000@10.20.30.40:5060"),
        ("drop_8613800138000.pcap", "drop_****8000.pcap"),
        ("123456", "****3456"),
        ("12345 calls, ticket #48213", "12345 calls, ticket #48213"),
        ("at 2026-11-28T14:05:00.123Z", "at 2026-11-28T14:05:00.123Z"),
        ("8613800138000 2026-11-28T14:05Z", "****8000 2026-11-28T14:05Z"),
        ("0 0000-00-00", "****0000"),
        ("FROM e_cdr_20261128 WHERE", "FROM e_cdr_20261128 WHERE"),
        ("session 20261128T141000Z-kqzmwp", "session 20261128T141000Z-kqzmwp"),
        ("10.20.30.40 and 192.168.100.200:5060", "10.20.30.40 and 192.168.100.200:5060"),
        ("drops 1768-1772 s", "drops ****1772 s"),
        ("Q.850 102 Recovery on timer expiry", "Q.850 102 Recovery on timer expiry"),
        ("RFC 4028 teardown at 1770 s", "RFC 4028 teardown at 1770 s"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_structures_keys_included_numbers_untouched() -> None:
    value = {
        "samples": [{"callere164": "8613800138000", "starttime": 1795872930000}],
        "8613800138001": 3,
        "8613800138002": 4,
        "session_id": "20261128T141000Z-123456",
        "flow_digest": "ab1234567890cd",
    }
    out = redact(value)
    assert out["samples"] == [{"callere164": "****8000", "starttime": 1795872930000}]
    assert out["****8001"] == 3 and out["****8002"] == 4
    assert out["session_id"] == value["session_id"] and out["flow_digest"] == value["flow_digest"]


def test_keys_that_collide_after_redaction_are_all_kept() -> None:
    out = redact({"8613800138000": 1, "8613900138000": 2})
    assert sorted(out.values()) == [1, 2] and len(out) == 2


phone = st.builds(
    lambda plus, groups, seps: (
        ("+" if plus else "") + "".join(g + s for g, s in zip(groups, [*seps, ""], strict=False))
    ),
    st.booleans(),
    st.lists(st.text("0123456789", min_size=1, max_size=5), min_size=1, max_size=5),
    st.lists(st.sampled_from(["", " ", "-"]), min_size=4, max_size=4),
).filter(lambda s: sum(c.isdigit() for c in s) >= 6)
context = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


def protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _PROTECTED.finditer(text)]


def visible_runs(text: str) -> list[str]:
    """Digit runs (single spaces/dashes allowed inside) outside dates and table names."""
    spans = protected_spans(text)
    out = []
    for m in RUN.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):
            out.append(re.sub(r"\D", "", m.group(0)))
    return out


no_digits = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Nd")), max_size=30)


@settings(max_examples=100, deadline=None)
@given(phone, no_digits, no_digits)
def test_only_the_last_4_digits_of_a_number_stay_visible(
    number: str, before: str, after: str
) -> None:
    text = before + number + after
    start, end = len(before), len(before) + len(number)
    assume(not any(a < end and start < b for a, b in protected_spans(text)))
    out = redact_text(text)
    digits = re.sub(r"\D", "", number)
    # Every digit left comes from the number: at most its last 4 stay, after the mask.
    assert [run for run in visible_runs(out) if run] == [digits[-4:]], (text, out)
    assert "****" + digits[-4:] in out, (text, out)


@settings(max_examples=100, deadline=None)
@given(phone, context, context)
def test_no_run_of_6_digits_survives_in_any_text(number: str, before: str, after: str) -> None:
    text = before + number + after
    out = redact_text(text)
    assert all(len(run) < 6 for run in visible_runs(out)), (text, out)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80) | st.builds(lambda a, n, b: a + n + b, context, phone, context))
def test_redaction_is_idempotent(text: str) -> None:
    once = redact_text(text)
    assert redact_text(once) == once


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | phone,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(json_like)
def test_redact_on_structures_is_idempotent(value: object) -> None:
    once = redact(value)
    assert redact(once) == once
