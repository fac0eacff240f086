"""Turn parsed YAML into a Flow, collecting every problem with its line (docs/flow-format.md)."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from dropwizard.diagnosis.finding import FINDING_IDS
from dropwizard.wizard.condition import Condition, ConditionSyntaxError
from dropwizard.wizard.condition import parse as parse_condition
from dropwizard.wizard.model import (
    FindingSpec,
    Flow,
    Node,
    Option,
)
from dropwizard.wizard.template import TemplateError, parse_template
from dropwizard.wizard.yamllines import LineDict, LineList


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


EXTENSION_PREFIX = "x-"
"""Keys starting with this are left alone (room for tools that annotate flows)."""


@cache
def schema_fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    """The YAML-facing fields of a model class with their resolved types."""
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """`X | None` -> (X, True); anything else -> (tp, False)."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


@cache
def type_plan(tp: Any) -> tuple[str, Any]:
    """How to convert a value of this model type: (kind, argument)."""
    inner, _ = unwrap_optional(tp)
    origin = typing.get_origin(inner)
    if inner is str:
        return "str", None
    if inner is int:
        return "int", None
    if origin is list:
        return "list", typing.get_args(inner)[0]
    if origin is dict:
        return "dict", typing.get_args(inner)[1]
    if dataclasses.is_dataclass(inner):
        return "model", inner
    raise TypeError(f"model type {tp!r} is not supported")


@cache
def class_plan(cls: type) -> tuple[list[tuple[str, Any, bool, Any]], frozenset[str], bool]:
    """(fields as (name, type, required, enum), known keys, has a line field) of a model."""
    fields = [
        (f.name, tp, bool(f.metadata.get("required")), f.metadata.get("enum"))
        for f, tp in schema_fields(cls)
    ]
    has_line = any(f.name == "line" for f in dataclasses.fields(cls))
    return fields, frozenset(name for name, *_ in fields), has_line


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text"


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, max(line, 1), message))

    # --- generic, model-driven construction ---------------------------------------------

    def build(self, cls: type, data: Any, where: str, line: int) -> Any:
        """Build a model instance from a mapping; None when it is not a mapping."""
        if not isinstance(data, dict):
            self.add(line, f"{where}: must be a mapping, not {_kind(data)}")
            return None
        lines = data.key_lines if isinstance(data, LineDict) else {}
        line = data.line if isinstance(data, LineDict) else line
        ident = data.get("id")
        if isinstance(ident, (str, int)) and not isinstance(ident, bool):
            if cls is Node:
                where = f"node {ident}"
            elif cls is Option:
                where = f"{where.rsplit(': options', 1)[0]}, option {ident}"
        fields, known, has_line = class_plan(cls)
        for key in data:
            if key in known or (isinstance(key, str) and key.startswith(EXTENSION_PREFIX)):
                continue
            self.add(
                lines.get(key, line),
                f"{where}: unknown key {key!r} (expected {', '.join(sorted(known))})",
            )
        kwargs: dict[str, Any] = {}
        for name, tp, required, enum in fields:
            raw = data.get(name)
            if raw is None:
                if required:
                    kwargs[name] = self.missing(cls, name, where, line)
                continue
            key_line = lines.get(name, line)
            value = self.convert(tp, raw, f"{where}: {name}", key_line)
            if enum and value is not None and value not in enum:
                what = "unknown node type" if cls is Node and name == "type" else name
                self.add(key_line, f"{where}: {what} {value!r} (expected {', '.join(enum)})")
            if value is not None:
                kwargs[name] = value
            elif required:
                kwargs[name] = _empty(tp)
        if has_line:
            kwargs["line"] = line
        return cls(**kwargs)

    def missing(self, cls: type, name: str, where: str, line: int) -> Any:
        if name == "explain":
            self.add(line, f"{where}: missing explain text (it teaches why the step matters)")
        elif name == "reference":
            self.add(line, f"{where}: missing reference (where the step comes from)")
        else:
            self.add(line, f"{where}: missing {name!r}")
        return [] if name == "nodes" else ""

    def convert(self, tp: Any, value: Any, where: str, line: int) -> Any:
        kind, arg = type_plan(tp)
        if kind == "str":
            if type(value) is str:
                return value
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                self.add(line, f"{where}: must be text, not {_kind(value)}")
                return None
            return str(value)
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(line, f"{where}: must be a whole number, not {_kind(value)}")
                return None
            return value
        if kind == "list":
            if not isinstance(value, list):
                if arg is str and isinstance(value, str):
                    return [value]
                self.add(line, f"{where}: must be a list, not {_kind(value)}")
                return None
            item_lines = value.item_lines if isinstance(value, LineList) else []
            out = []
            for i, item in enumerate(value):
                item_line = item_lines[i] if i < len(item_lines) else line
                got = self.convert(arg, item, f"{where}[{i + 1}]", item_line)
                if got is not None:
                    out.append(got)
            return out
        if kind == "dict":
            if not isinstance(value, dict):
                self.add(line, f"{where}: must be a mapping, not {_kind(value)}")
                return None
            lines = value.key_lines if isinstance(value, LineDict) else {}
            out_d = {}
            for key, item in value.items():
                label = f"finding {key}" if arg is FindingSpec else f"{where} {key}"
                got = self.convert(arg, item, label, lines.get(key, line))
                if got is not None:
                    if isinstance(got, FindingSpec):
                        got.id = str(key)
                        got.line = lines.get(key, got.line)
                    out_d[str(key)] = got
            return out_d
        return self.build(arg, value, where, line)


def _empty(tp: Any) -> Any:
    inner, _ = unwrap_optional(tp)
    if typing.get_origin(inner) is list:
        return []
    if typing.get_origin(inner) is dict:
        return {}
    if inner is int:
        return 0
    return ""


def build_flow(data: Any, file: str) -> tuple[Flow | None, list[Problem]]:
    """Build and validate a flow; returns the flow (None when unusable) and every problem."""
    b = _Builder(file)
    if not isinstance(data, dict):
        b.add(getattr(data, "line", 1), f"a flow must be a mapping, not {_kind(data)}")
        return None, b.problems
    flow: Flow = b.build(Flow, data, "flow", 1)
    flow.nodes = [n for n in flow.nodes if n is not None]
    _check_semantics(b, flow, data)
    flow.by_id = {}
    for n in flow.nodes:
        flow.by_id.setdefault(n.id, n)
    return flow, sorted(b.problems, key=lambda p: p.line)


def _condition(b: _Builder, line: int, where: str, text: str) -> Condition | None:
    """The parsed `when` condition, or None after recording why it is malformed."""
    try:
        return parse_condition(text)
    except ConditionSyntaxError as exc:
        b.add(line, f"{where}: malformed condition {text!r}: {exc}")
        return None


def _check_semantics(b: _Builder, flow: Flow, data: LineDict) -> None:
    key_line = data.line_of if isinstance(data, LineDict) else (lambda _k: 1)

    for fid, spec in flow.findings.items():
        if fid not in FINDING_IDS:
            b.add(
                spec.line, f"findings: unknown finding id {fid!r} (known: {', '.join(FINDING_IDS)})"
            )
        for i, fix in enumerate(spec.fixes, 1):
            if fix.when:
                fix.condition = _condition(b, fix.line, f"finding {fid}, fix {i}", fix.when)

    seen: dict[str, Node] = {}
    for node in flow.nodes:
        where = f"node {node.id}" if node.id else "node"
        if node.id in seen:
            b.add(node.line, f"duplicate id {node.id!r} (first at line {seen[node.id].line})")
        elif node.id:
            seen[node.id] = node
        opt_seen: dict[str, Option] = {}
        for opt in node.options:
            if opt.id in opt_seen:
                b.add(
                    opt.line,
                    f"{where}: duplicate option id {opt.id!r} (first at line "
                    f"{opt_seen[opt.id].line})",
                )
            else:
                opt_seen[opt.id] = opt
            if opt.when:
                opt.condition = _condition(b, opt.line, f"{where}, option {opt.id}", opt.when)
            if opt.because:
                try:
                    opt.template = parse_template(opt.because)
                except TemplateError as exc:
                    b.add(opt.line, f"{where}, option {opt.id}: bad because template: {exc}")
        if node.type in ("ask", "check"):
            if not node.options:
                b.add(node.line, f"{where}: no way out (ask and check nodes need options)")
            if node.next:
                b.add(node.line, f"{where}: 'next' is for finding nodes; route with options")
            if node.finding:
                b.add(node.line, f"{where}: 'finding' is only for finding nodes")
            if node.default and node.default not in opt_seen:
                b.add(
                    node.line,
                    f"{where}: default {node.default!r} is not one of its options "
                    f"({', '.join(opt_seen) or 'none'})",
                )
        elif node.type in ("finding", "end"):
            if node.options:
                b.add(node.line, f"{where}: a {node.type} node has no options")
            if node.default:
                b.add(node.line, f"{where}: a {node.type} node has no default")
            if node.type == "end" and node.next:
                b.add(node.line, f"{where}: an end node has no next")
            if node.type == "finding":
                if not node.finding:
                    b.add(node.line, f"{where}: missing 'finding' (a key of findings:)")
                elif node.finding not in flow.findings:
                    b.add(
                        node.line,
                        f"{where}: unknown finding id {node.finding!r} (not in findings:)",
                    )
            elif node.finding:
                b.add(node.line, f"{where}: 'finding' is only for finding nodes")

    _check_fact_names(b, flow)

    if flow.start and flow.start not in seen:
        b.add(key_line("start"), f"start: route to a missing node {flow.start!r}")
    for node in flow.nodes:
        for opt in node.options:
            if opt.next and opt.next not in seen:
                b.add(
                    opt.line,
                    f"node {node.id}, option {opt.id}: route to a missing node {opt.next!r}",
                )
        if node.next and node.next not in seen and node.type == "finding":
            b.add(node.line, f"node {node.id}: next: route to a missing node {node.next!r}")

    if flow.start in seen:
        reach = _reachable(flow.start, seen)
        for node in flow.nodes:
            if node.id and node.id in seen and seen[node.id] is node and node.id not in reach:
                b.add(node.line, f"node {node.id}: unreachable from start {flow.start!r}")

    for scc in _cycles(seen):
        if not any(seen[n].type == "ask" for n in scc):
            members = sorted(scc, key=lambda n: seen[n].line)
            loop = " -> ".join([*members, members[0]])
            b.add(
                seen[members[0]].line,
                f"loop {loop} has no ask node (the walk could cycle without the operator)",
            )


ENGINE_FACTS = ("scope", "source", "capture")
"""Fact prefixes the engine itself provides (docs/facts.md)."""


def _check_fact_names(b: _Builder, flow: Flow) -> None:
    """Every fact a condition or template reads must come from a gatherer the flow runs."""
    prefixes = tuple(f"{g}." for g in {*ENGINE_FACTS, *(g for n in flow.nodes for g in n.gather)})

    def check(line: int, where: str, names: list[str]) -> None:
        for name in dict.fromkeys(names):
            if not name.startswith(prefixes):
                source = name.rsplit(".", 1)[0] if "." in name else name
                b.add(
                    line,
                    f"{where}: reads {name!r}, but no node gathers {source!r} "
                    "(add it to a node's gather: or fix the name)",
                )

    for node in flow.nodes:
        for opt in node.options:
            names = list(opt.condition.names) if opt.condition else []
            names += opt.template.names if opt.template else []
            check(opt.line, f"node {node.id}, option {opt.id}", names)
    for fid, spec in flow.findings.items():
        for i, fix in enumerate(spec.fixes, 1):
            if fix.condition:
                check(fix.line, f"finding {fid}, fix {i}", list(fix.condition.names))


def _edges(node: Node, nodes: dict[str, Node]) -> list[str]:
    return [t for t in node.targets() if t in nodes]


def _reachable(start: str, nodes: dict[str, Node]) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for nxt in _edges(nodes[stack.pop()], nodes):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _cycles(nodes: dict[str, Node]) -> list[list[str]]:
    """Strongly connected components that contain a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            edges = _edges(nodes[v], nodes)
            recurse = False
            while i < len(edges):
                w = edges[i]
                i += 1
                if w not in index:
                    work.append((v, i))
                    work.append((w, 0))
                    recurse = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in _edges(nodes[v], nodes):
                    out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out
