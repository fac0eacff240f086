"""YAML loading that remembers the line of every mapping key and list item."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that knows its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _build(node: yaml.Node, loader: Any) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = LineDict()
        out.line = line
        out.key_lines = {}
        loader.flatten_mapping(node)
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            if not isinstance(key, str):
                key = str(key)
            out[key] = _build(vnode, loader)
            out.key_lines[key] = knode.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = LineList()
        seq.line = line
        seq.item_lines = []
        for item in node.value:
            seq.append(_build(item, loader))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq
    return loader.construct_object(node, deep=True)


def load_with_lines(text: str) -> Any:
    """Parse one YAML document into LineDict/LineList/scalars.

    Raises `yaml.YAMLError` (with a `problem_mark`) on malformed YAML.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(node, loader)
    finally:
        loader.dispose()


def yaml_error_line(exc: yaml.YAMLError) -> int:
    """The 1-based line a YAML error points at, or 1."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return (mark.line + 1) if mark is not None else 1
