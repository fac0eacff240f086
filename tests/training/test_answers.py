"""Answers files: flat or under `answers:`, lists for retries, hints, errors with lines."""

from __future__ import annotations

import pytest

from dropwizard.errors import InputError
from dropwizard.training.answers import parse_answers


def test_flat_mapping_with_retry_list_and_hints() -> None:
    a = parse_answers("start: gateway\nstep1: [cause34, cause102]\nhints: {step1: 2}\n")
    assert a.choices == {"start": ["gateway"], "step1": ["cause34", "cause102"]}
    assert a.hints == {"step1": 2}


def test_nested_answers_and_hint_list() -> None:
    a = parse_answers("answers:\n  start: window\nhints: [start]\n")
    assert a.choices == {"start": ["window"]}
    assert a.hints == {"start": 1}


def test_empty_file() -> None:
    assert parse_answers("").choices == {}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("start: gateway\nstep1: 3\n", "f.yaml:2:"),
        ("- a\n", "f.yaml:1:"),
        ("start: [\n", "f.yaml:2:"),
        ("start: a\nhints: {start: -1}\n", "f.yaml:2:"),
    ],
)
def test_errors_name_the_line(text: str, where: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_answers(text, "f.yaml")
    assert exc.value.message.startswith(where)
