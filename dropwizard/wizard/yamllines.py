"""YAML loading that keeps line numbers: every mapping remembers its line and its keys' lines."""

from __future__ import annotations

import re
from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict):
    """A mapping from YAML with `line` (1-based) and `key_lines` {key: line}."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """Line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML with `line` and `item_lines`."""

    line: int = 0
    item_lines: list[int]


class LineLoader(_Base):  # type: ignore[misc, valid-type]
    """A safe loader whose mappings and sequences carry their YAML line numbers."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        out = LineDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                ) from None
            out[key] = self.construct_object(value_node, deep=deep)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def construct_yaml_map(self, node: yaml.MappingNode):  # type: ignore[override]
        yield self.construct_mapping(node, deep=True)

    def construct_yaml_seq(self, node: yaml.SequenceNode):  # type: ignore[override]
        out = LineList()
        out.line = node.start_mark.line + 1
        out.item_lines = [n.start_mark.line + 1 for n in node.value]
        yield out
        out.extend(self.construct_sequence(node, deep=True))


def _yaml12_booleans() -> None:
    """Only true/false are booleans: `yes`, `no`, `on`, `off` stay text (option ids like `no`)."""
    resolvers = {
        first: [(tag, rx) for tag, rx in entries if tag != "tag:yaml.org,2002:bool"]
        for first, entries in LineLoader.yaml_implicit_resolvers.items()
    }
    LineLoader.yaml_implicit_resolvers = resolvers
    LineLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )


_yaml12_booleans()
LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_yaml_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_yaml_seq)


class YamlSyntaxError(Exception):
    """A YAML file that cannot be parsed; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(text: str) -> Any:
    """Parse YAML text into plain values with LineDict/LineList for mappings and sequences."""
    try:
        return yaml.load(text, Loader=LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "cannot parse"
        if exc.context and exc.problem:
            what = f"{exc.context}: {exc.problem}"
        raise YamlSyntaxError(line, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"YAML error: {exc}") from None
