"""The route condition language: a tokenizer, a recursive-descent parser and an evaluator.

Literals (ints, floats, 'strings', "strings", true/false/null, [lists]), dotted fact names,
comparisons `== != < <= > >=`, `in` / `not in`, `and` / `or` / `not`, parentheses and
`+ - * / %` on numbers. A name is only ever a key into the namespace dict: there is no
attribute access, no call, no indexing, and nothing is handed to `eval`.

A name missing from the namespace makes the result `UNDECIDED` (not false); `and` / `or`
short-circuit in three values: false and undecided is false, true or undecided is true.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64
MAX_LENGTH = 4000


class ConditionError(Exception):
    """A condition that cannot be evaluated (a type error, a division by zero)."""


class ConditionSyntaxError(ConditionError):
    """A condition that cannot be parsed; `column` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} at column {column}")
        self.message = message
        self.column = column


class _Undecided:
    """The result of a condition that reads a fact nobody established."""

    _instance: _Undecided | None = None

    def __new__(cls) -> _Undecided:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNDECIDED"

    def __bool__(self) -> bool:
        raise ConditionError("an undecided result has no truth value")


UNDECIDED = _Undecided()
Undecided = _Undecided

# --- tokens -------------------------------------------------------------------------------

KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


@dataclass(frozen=True)
class Token:
    kind: str  # num, str, name, kw, op, end
    value: Any
    col: int  # 1-based


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,)
    """,
    re.VERBOSE | re.DOTALL,
)
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_.]")
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _unescape(body: str, col: int) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e not in _ESCAPES:
            raise ConditionSyntaxError(f"unknown escape \\{e}", col + m.start() + 1)
        return _ESCAPES[e]

    return _ESCAPE_RE.sub(one, body) if "\\" in body else body


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens; raises ConditionSyntaxError."""
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(f"condition longer than {MAX_LENGTH} characters", 1)
    out: list[Token] = []
    i, n = 0, len(text)
    match = _TOKEN_RE.match
    while i < n:
        m = match(text, i)
        col = i + 1
        if m is None:
            c = text[i]
            if c in "'\"":
                raise ConditionSyntaxError("unterminated string", col)
            if c == "=":
                raise ConditionSyntaxError("use == to compare", col)
            if c == "!":
                raise ConditionSyntaxError("use 'not' or !=", col)
            raise ConditionSyntaxError(f"unexpected character {c!r}", col)
        kind = m.lastgroup
        j = m.end()
        value = m.group()
        if kind == "num":
            if j < n and _IDENT_CHAR.match(text, j):
                raise ConditionSyntaxError(f"malformed number {text[i : j + 1]!r}", col)
            if len(value) > 300:
                raise ConditionSyntaxError("number literal too long", col)
            is_float = any(ch in value for ch in ".eE")
            out.append(Token("num", float(value) if is_float else int(value), col))
        elif kind == "name":
            if j < n and text[j] == ".":
                raise ConditionSyntaxError(
                    f"a name part must start with a letter or _ after {value!r}", j + 1
                )
            out.append(Token("kw" if value in KEYWORDS else "name", value, col))
        elif kind == "str":
            out.append(Token("str", _unescape(value[1:-1], col), col))
        elif kind == "op":
            out.append(Token("op", value, col))
        i = j
    out.append(Token("end", None, n + 1))
    return out


# --- tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expr:
    col: int


@dataclass(frozen=True)
class Literal(Expr):
    value: Any


@dataclass(frozen=True)
class Name(Expr):
    name: str


@dataclass(frozen=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # not, -, +
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # and, or, ==, !=, <, <=, >, >=, in, not in, + - * / %
    left: Expr
    right: Expr
    depth: int = 1


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        t = self.tokens[self.pos]
        self.pos += 1
        return t

    def at(self, kind: str, value: Any = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def expect_op(self, value: str) -> Token:
        if not self.at("op", value):
            raise ConditionSyntaxError(f"expected {value!r}, found {self.describe()}", self.tok.col)
        return self.advance()

    def describe(self) -> str:
        t = self.tok
        if t.kind == "end":
            return "end of condition"
        if t.kind == "str":
            return "a string"
        if t.kind == "num":
            return f"number {t.value!r}"
        return repr(t.value)

    def enter(self, col: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError(f"condition nested deeper than {MAX_DEPTH}", col)

    def leave(self) -> None:
        self.depth -= 1

    def parse(self) -> Expr:
        if self.at("end"):
            raise ConditionSyntaxError("empty condition", 1)
        expr = self.expr()
        if not self.at("end"):
            t = self.tok
            if t.kind == "op" and t.value == "(":
                raise ConditionSyntaxError("calls are not allowed", t.col)
            if t.kind == "op" and t.value == "[":
                raise ConditionSyntaxError("indexing is not allowed", t.col)
            raise ConditionSyntaxError(f"unexpected {self.describe()}", t.col)
        return expr

    def expr(self) -> Expr:
        self.enter(self.tok.col)
        try:
            return self.or_expr()
        finally:
            self.leave()

    def _chain(self, left: Expr, op: str, right: Expr) -> Expr:
        node = Binary(left.col, op, left, right, 1 + max(_depth(left), _depth(right)))
        if node.depth > MAX_DEPTH:
            raise ConditionSyntaxError(f"condition nested deeper than {MAX_DEPTH}", right.col)
        return node

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while self.at("kw", "or"):
            self.advance()
            left = self._chain(left, "or", self.and_expr())
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while self.at("kw", "and"):
            self.advance()
            left = self._chain(left, "and", self.not_expr())
        return left

    def not_expr(self) -> Expr:
        if self.at("kw", "not"):
            t = self.advance()
            self.enter(t.col)
            try:
                return Unary(t.col, "not", self.not_expr())
            finally:
                self.leave()
        return self.comparison()

    def comp_op(self) -> str | None:
        t = self.tok
        if t.kind == "op" and t.value in ("==", "!=", "<", "<=", ">", ">="):
            self.advance()
            return str(t.value)
        if t.kind == "kw" and t.value == "in":
            self.advance()
            return "in"
        if t.kind == "kw" and t.value == "not":
            nxt = self.tokens[self.pos + 1]
            if nxt.kind == "kw" and nxt.value == "in":
                self.pos += 2
                return "not in"
            raise ConditionSyntaxError("'not' here must be followed by 'in'", t.col)
        return None

    def comparison(self) -> Expr:
        left = self.sum()
        col = self.tok.col
        op = self.comp_op()
        if op is None:
            return left
        right = self.sum()
        if self.comp_op() is not None:
            raise ConditionSyntaxError("chained comparisons are not supported; use 'and'", col)
        return self._chain(left, op, right)

    def sum(self) -> Expr:
        left = self.term()
        while self.tok.kind == "op" and self.tok.value in ("+", "-"):
            op = self.advance().value
            left = self._chain(left, op, self.term())
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.tok.kind == "op" and self.tok.value in ("*", "/", "%"):
            op = self.advance().value
            left = self._chain(left, op, self.unary())
        return left

    def unary(self) -> Expr:
        if self.tok.kind == "op" and self.tok.value in ("-", "+"):
            t = self.advance()
            self.enter(t.col)
            try:
                return Unary(t.col, t.value, self.unary())
            finally:
                self.leave()
        return self.primary()

    def primary(self) -> Expr:
        t = self.tok
        if t.kind in ("num", "str"):
            self.advance()
            return Literal(t.col, t.value)
        if t.kind == "kw" and t.value in ("true", "false", "null"):
            self.advance()
            return Literal(t.col, {"true": True, "false": False, "null": None}[t.value])
        if t.kind == "name":
            self.advance()
            if self.at("op", "("):
                raise ConditionSyntaxError("calls are not allowed", self.tok.col)
            if self.at("op", "["):
                raise ConditionSyntaxError("indexing is not allowed", self.tok.col)
            return Name(t.col, t.value)
        if t.kind == "op" and t.value == "(":
            self.advance()
            if self.at("op", ")"):
                raise ConditionSyntaxError("empty parentheses", t.col)
            inner = self.expr()
            self.expect_op(")")
            if self.at("op", "(") or self.at("op", "["):
                raise ConditionSyntaxError("calls and indexing are not allowed", self.tok.col)
            return inner
        if t.kind == "op" and t.value == "[":
            self.advance()
            items: list[Expr] = []
            self.enter(t.col)
            try:
                while not self.at("op", "]"):
                    items.append(self.expr())
                    if self.at("op", ","):
                        self.advance()
                    elif not self.at("op", "]"):
                        raise ConditionSyntaxError(
                            f"expected ',' or ']', found {self.describe()}", self.tok.col
                        )
            finally:
                self.leave()
            self.advance()
            if self.at("op", "[") or self.at("op", "("):
                raise ConditionSyntaxError("calls and indexing are not allowed", self.tok.col)
            return ListExpr(t.col, tuple(items))
        if t.kind == "kw" and t.value in ("and", "or", "in"):
            raise ConditionSyntaxError(f"{t.value!r} needs something before it", t.col)
        raise ConditionSyntaxError(f"expected a value, found {self.describe()}", t.col)


def _depth(e: Expr) -> int:
    if isinstance(e, Binary):
        return e.depth
    if isinstance(e, Unary):
        return 1 + _depth(e.operand)
    if isinstance(e, ListExpr):
        return 1 + max((_depth(i) for i in e.items), default=0)
    return 1


# --- public API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, tree and the fact names it reads."""

    text: str
    tree: Expr
    names: tuple[str, ...]

    def evaluate(self, namespace: Mapping[str, Any]) -> Any:
        """The value, or UNDECIDED; raises ConditionError on a type error."""
        return evaluate(self.tree, namespace)

    def holds(self, namespace: Mapping[str, Any]) -> bool | _Undecided:
        """True, False or UNDECIDED."""
        value = self.evaluate(namespace)
        if value is UNDECIDED:
            return UNDECIDED
        return _truth(value)

    def missing(self, namespace: Mapping[str, Any]) -> list[str]:
        """Names this condition reads that the namespace lacks."""
        return [n for n in self.names if n not in namespace]


def parse(text: str) -> Condition:
    """Parse a condition; raises ConditionSyntaxError (with the column)."""
    if not isinstance(text, str):
        raise ConditionSyntaxError("a condition must be text", 1)
    tree = _Parser(text).parse()
    names: list[str] = []
    _collect_names(tree, names)
    return Condition(text=text, tree=tree, names=tuple(dict.fromkeys(names)))


def _collect_names(e: Expr, out: list[str]) -> None:
    if isinstance(e, Name):
        out.append(e.name)
    elif isinstance(e, Unary):
        _collect_names(e.operand, out)
    elif isinstance(e, Binary):
        _collect_names(e.left, out)
        _collect_names(e.right, out)
    elif isinstance(e, ListExpr):
        for item in e.items:
            _collect_names(item, out)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if _is_number(v):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "list"
    return "value"


def _show(v: Any) -> str:
    text = repr(v) if isinstance(v, str) else _type_name(v) if v is None else str(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _truth(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if _is_number(v):
        return v != 0
    if isinstance(v, (str, list, tuple)):
        return len(v) > 0
    raise ConditionError(f"a {_type_name(v)} has no truth value")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        return False
    return bool(a == b)


def evaluate(e: Expr, ns: Mapping[str, Any]) -> Any:
    """Evaluate a tree against a flat namespace of dotted names."""
    if isinstance(e, Literal):
        return e.value
    if isinstance(e, Name):
        if e.name in ns:
            return ns[e.name]
        return UNDECIDED
    if isinstance(e, ListExpr):
        items = [evaluate(i, ns) for i in e.items]
        return UNDECIDED if any(i is UNDECIDED for i in items) else items
    if isinstance(e, Unary):
        v = evaluate(e.operand, ns)
        if v is UNDECIDED:
            return UNDECIDED
        if e.op == "not":
            return not _truth(v)
        if not _is_number(v):
            raise ConditionError(f"'{e.op}' needs a number, not {_show(v)}")
        return -v if e.op == "-" else v
    if isinstance(e, Binary):
        if e.op == "and":
            left = evaluate(e.left, ns)
            if left is not UNDECIDED and not _truth(left):
                return False
            right = evaluate(e.right, ns)
            if right is not UNDECIDED and not _truth(right):
                return False
            if left is UNDECIDED or right is UNDECIDED:
                return UNDECIDED
            return True
        if e.op == "or":
            left = evaluate(e.left, ns)
            if left is not UNDECIDED and _truth(left):
                return True
            right = evaluate(e.right, ns)
            if right is not UNDECIDED and _truth(right):
                return True
            if left is UNDECIDED or right is UNDECIDED:
                return UNDECIDED
            return False
        a = evaluate(e.left, ns)
        b = evaluate(e.right, ns)
        if a is UNDECIDED or b is UNDECIDED:
            return UNDECIDED
        return _binary(e.op, a, b)
    raise ConditionError(f"unknown expression {type(e).__name__}")


def _binary(op: str, a: Any, b: Any) -> Any:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if op in ("<", "<=", ">", ">="):
        if not ((_is_number(a) and _is_number(b)) or (isinstance(a, str) and isinstance(b, str))):
            raise ConditionError(f"cannot compare {_show(a)} {op} {_show(b)}")
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        return a >= b
    if op in ("in", "not in"):
        if isinstance(b, str):
            if not isinstance(a, str):
                raise ConditionError(f"'{op}' a string needs a string on the left, not {_show(a)}")
            found = a in b
        elif isinstance(b, (list, tuple)):
            found = any(_equal(a, x) for x in b)
        else:
            raise ConditionError(f"'{op}' needs a list or a string on the right, not {_show(b)}")
        return found if op == "in" else not found
    if not (_is_number(a) and _is_number(b)):
        raise ConditionError(f"'{op}' needs numbers, not {_show(a)} and {_show(b)}")
    try:
        return _arith(op, a, b)
    except OverflowError:
        raise ConditionError(f"number too large in {_show(a)} {op} {_show(b)}") from None


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        if isinstance(a, int) and isinstance(b, int) and (a.bit_length() + b.bit_length()) > 4096:
            raise OverflowError
        return a * b
    if op in ("/", "%"):
        if b == 0:
            raise ConditionError(f"division by zero ({_show(a)} {op} 0)")
        if op == "/":
            return a / b
        if (isinstance(a, float) or isinstance(b, float)) and (
            math.isinf(a) or math.isnan(a) or math.isnan(b)
        ):
            raise ConditionError(f"cannot take {_show(a)} % {_show(b)}")
        return a % b
    raise ConditionError(f"unknown operator {op!r}")
