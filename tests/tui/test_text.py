"""Text helpers: literal rendering, cutting, reflowing flow prose."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dropwizard.tui.text import clip, fmt_value, literal, reflow


def test_literal_keeps_markup_as_typed() -> None:
    assert literal("[bold]x[/bold] [link=y]z").plain == "[bold]x[/bold] [link=y]z"


def test_literal_defuses_terminal_escapes() -> None:
    out = literal("a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\nd\te\x9bf").plain
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert out.startswith("a\ufffd]52;c;") and "\nd\te" in out


@given(st.text(), st.integers(min_value=2, max_value=200))
def test_clip_is_one_line_within_the_limit(text: str, limit: int) -> None:
    out = clip(text, limit)
    assert out.isprintable()
    assert len(out) <= limit
    if len(text) <= limit and text.isprintable():
        assert out == text


def test_fmt_value_is_short_and_readable() -> None:
    assert fmt_value(True) == "yes"
    assert fmt_value(0.8682) == "0.868"
    assert fmt_value(1800.0) == "1800"
    assert fmt_value([1, "a"]) == "1, a"
    assert fmt_value({"start": 30, "end": None}) == "start=30, end=-"


def test_reflow_joins_paragraphs_and_keeps_lists() -> None:
    text = "The cause\nsays how.\n\n- one\n- two\n  more\n1. first\nTail\nend."
    assert reflow(text) == "The cause says how.\n\n- one\n- two\n  more\n1. first\nTail end."
