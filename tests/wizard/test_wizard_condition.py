"""The condition language: parsing, three-valued evaluation, type errors, and safety."""

from __future__ import annotations

import builtins
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dropwizard.wizard.condition import (
    UNDECIDED,
    Condition,
    ConditionError,
    ConditionSyntaxError,
    parse,
)
from dropwizard.wizard.template import TemplateError, parse_template

NS = {
    "cdr.causes.top_cause": 102,
    "cdr.causes.top_cause_share": 0.37,
    "cdr.durations.pattern": "spike",
    "cdr.chains.gateways": ["gw1", "gw2"],
    "probe.conntrack.meets_guide": False,
    "capture.present": True,
    "zero": 0,
    "nothing": None,
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("cdr.causes.top_cause == 102", True),
        ("cdr.causes.top_cause != 102", False),
        ("cdr.causes.top_cause in [34, 38, 41]", False),
        ("cdr.causes.top_cause not in [34, 38, 41]", True),
        ("cdr.causes.top_cause_share >= 0.3 and cdr.durations.pattern == 'spike'", True),
        ('cdr.durations.pattern == "band" or capture.present', True),
        ("not probe.conntrack.meets_guide", True),
        ("'gw2' in cdr.chains.gateways", True),
        ("'pi' in 'spike'", True),
        ("1 + 2 * 3 - 4 / 2 == 5", True),
        ("(1 + 2) * 3", 9),
        ("7 % 4", 3),
        ("-cdr.causes.top_cause + 2", -100),
        ("1.5e2 == 150", True),
        (".5 < 1", True),
        ("[1, 2,] == [1, 2]", True),
        ("nothing == null", True),
        ("true == 1", False),
        ("'a\\'b' == \"a'b\"", True),
        ("zero or 0", False),
        ("1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3", True),
        ("'abc' < 'abd'", True),
    ],
)
def test_values(text: str, value: object) -> None:
    assert parse(text).evaluate(NS) == value


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("missing.fact == 1", UNDECIDED),
        ("missing.fact == 1 and false", False),
        ("false and missing.fact == 1", False),
        ("missing.fact == 1 or true", True),
        ("true or missing.fact", True),
        ("missing.fact or false", UNDECIDED),
        ("missing.fact and true", UNDECIDED),
        ("not missing.fact", UNDECIDED),
        ("[missing.fact] == [1]", UNDECIDED),
        ("missing.fact + 1 > 2", UNDECIDED),
        ("-missing.fact", UNDECIDED),
        ("__class__", UNDECIDED),
        ("x.__globals__", UNDECIDED),
        ("__builtins__", UNDECIDED),
    ],
)
def test_three_valued(text: str, result: object) -> None:
    cond = parse(text)
    assert cond.holds(NS) is result


def test_missing_names_are_listed() -> None:
    cond = parse("cdr.causes.top_cause == 102 and cdr.durations.timer_s > 1700")
    assert cond.names == ("cdr.causes.top_cause", "cdr.durations.timer_s")
    assert cond.missing(NS) == ["cdr.durations.timer_s"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("'a' < 3", "cannot compare 'a' < 3"),
        ("1 / 0", "division by zero"),
        ("1 % zero", "division by zero"),
        ("'a' + 1", "needs numbers"),
        ("true + 1", "needs numbers"),
        ("-'a'", "needs a number"),
        ("1 in 2", "needs a list or a string"),
        ("1 in 'abc'", "needs a string on the left"),
        ("nothing < 1", "cannot compare null"),
        ("[1] < [2]", "cannot compare"),
    ],
)
def test_type_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConditionError) as err:
        parse(text).evaluate(NS)
    assert not isinstance(err.value, ConditionSyntaxError)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("", 1, "empty condition"),
        ("a ==", 5, "expected a value"),
        ("open('x')", 5, "calls are not allowed"),
        ("__import__('os')", 11, "calls are not allowed"),
        ("x[0]", 2, "indexing is not allowed"),
        ("(1)[0]", 4, "calls and indexing are not allowed"),
        ("().__class__", 2, ""),
        ("a = 1", 3, "use =="),
        ("a ! b", 3, "use 'not' or !="),
        ("1 < 2 < 3", 3, "chained comparisons"),
        ("'open", 1, "unterminated string"),
        ("a.", 2, "name part"),
        ("a..b", 2, "name part"),
        ("1abc", 1, "malformed number"),
        ("a @ b", 3, "unexpected character '@'"),
        ("a b", 3, "unexpected 'b'"),
        ("and a", 1, "needs something before it"),
        ("a not b", 3, "followed by 'in'"),
        ("'\\q'", 2, "unknown escape"),
        ("(" * 100 + "1" + ")" * 100, 64, "nested deeper"),
    ],
)
def test_syntax_errors_carry_column(text: str, column: int, fragment: str) -> None:
    with pytest.raises(ConditionSyntaxError) as err:
        parse(text)
    assert fragment in err.value.message
    if text != "().__class__":
        assert err.value.column == column or "nested" in fragment


def test_long_chains_are_bounded_not_a_crash() -> None:
    with pytest.raises(ConditionSyntaxError, match="nested deeper"):
        parse(" or ".join(["a"] * 500))
    with pytest.raises(ConditionSyntaxError, match="nested deeper"):
        parse("not " * 500 + "a")
    with pytest.raises(ConditionSyntaxError, match="longer than"):
        parse("a" * 5000)
    with pytest.raises(ConditionSyntaxError, match="too long"):
        parse("9" * 400)


def test_huge_numbers_are_condition_errors() -> None:
    with pytest.raises(ConditionError, match="too large"):
        parse("9" * 299 + " * " + "9" * 299 + " * 1.5").evaluate({})


def test_template_rendering() -> None:
    t = parse_template(
        "{cdr.causes.top_cause_share:pct} ended with {cdr.causes.top_cause} "
        "({x:.1f} s, {cdr.chains.gateways}) {{literal}} {gone}"
    )
    facts = {**NS, "x": 29.94}
    assert t.render(facts) == "37 % ended with 102 (29.9 s, gw1, gw2) {literal} unknown"
    assert t.names == [
        "cdr.causes.top_cause_share",
        "cdr.causes.top_cause",
        "x",
        "cdr.chains.gateways",
        "gone",
    ]
    assert parse_template("{x:.2f}").render({"x": "text"}) == "text"


@pytest.mark.parametrize("bad", ["{", "}", "{a b}", "{a:}", "{a:zz}", "{a[0]}", "{a.__x__()}"])
def test_template_errors(bad: str) -> None:
    with pytest.raises(TemplateError):
        parse_template(bad)


# --- properties ---------------------------------------------------------------------------

WORDS = ["and", "or", "not", "in", "true", "false", "null", "__class__", "open", "__import__"]
SNIPPETS = ["().__class__", "x.__globals__", "open('x')", "__import__('os')", "1e999", ".5"]
ALPHABET = st.sampled_from(
    [*"abcxyz_.0123456789 ()[],'\"=!<>+-*/%\\@#$:{}\n\t", *WORDS, *SNIPPETS, *NS, "trap"]
)
texts = st.one_of(st.text(max_size=80), st.lists(ALPHABET, max_size=30).map("".join))


class Trap:
    """A namespace value that fails loudly if anything touches its attributes."""

    def __getattribute__(self, name: str) -> object:
        if name == "__class__":  # isinstance() reads it; that is not the language reaching in
            return object.__getattribute__(self, name)
        raise AssertionError(f"attribute {name} touched")


def _forbidden_builtins(monkeypatch: pytest.MonkeyPatch, seen: list[str]) -> None:
    """Record calls of dangerous builtins made by this thread (other threads of the test
    process, such as a finished test's leftover timers, are not the condition language's)."""
    me = threading.get_ident()
    for name in ("eval", "exec", "compile", "open", "__import__", "getattr"):
        original = getattr(builtins, name)

        def spy(*args: object, _n: str = name, _o: object = original, **kw: object) -> object:
            if threading.get_ident() == me:
                seen.append(_n)
            return _o(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(builtins, name, spy)


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_arbitrary_text_raises_only_condition_errors(text: str) -> None:
    try:
        cond = parse(text)
    except ConditionSyntaxError as exc:
        assert exc.column >= 1
        return
    assert isinstance(cond, Condition)
    try:
        result = cond.evaluate(NS)
    except ConditionError:
        return
    assert result is UNDECIDED or isinstance(result, (bool, int, float, str, list, type(None)))


@settings(max_examples=150, deadline=None)
@given(text=texts, names=st.lists(st.sampled_from(sorted(NS)), max_size=3))
def test_evaluation_only_reads_the_namespace(text: str, names: list[str]) -> None:
    class Spy(dict):
        reads: list[str]

        def __getitem__(self, key: str) -> object:
            self.reads.append(key)
            return super().__getitem__(key)

    ns = Spy(NS)
    ns.reads = []
    ns["trap"] = Trap()
    try:
        cond = parse(text)
        cond.evaluate(ns)
    except ConditionError:
        pass
    except AssertionError:
        raise
    assert set(ns.reads) <= set(cond.names) if "cond" in locals() else True
    for key in ns.reads:
        assert key in NS or key == "trap"


@pytest.mark.parametrize(
    "text",
    [
        "__class__",
        "x.__globals__",
        "__builtins__",
        "__import__",
        "open",
        "trap",
        "trap == 1",
        "__class__ == 1 or __import__",
    ],
)
def test_names_never_reach_python(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    cond = parse(text)
    _forbidden_builtins(monkeypatch, seen)
    seen.clear()
    try:
        result = cond.evaluate({"trap": Trap()})
    except ConditionError:
        result = None
    monkeypatch.undo()
    assert seen == []
    if "trap" not in text:
        assert result is UNDECIDED


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_parse_and_evaluate_call_no_dangerous_builtins(text: str) -> None:
    seen: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        _forbidden_builtins(mp, seen)
        seen.clear()
        try:
            parse(text).evaluate(NS)
        except ConditionError:
            pass
    assert seen == []


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_templates_raise_only_template_errors(text: str) -> None:
    try:
        t = parse_template(text)
    except TemplateError:
        return
    assert isinstance(t.render(NS), str)
