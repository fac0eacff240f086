"""Draw a flow as Mermaid or Graphviz DOT text."""

from __future__ import annotations

import re

from dropwizard.wizard.model import Flow, Node

MERMAID_SHAPES = {
    "ask": ("{", "}"),
    "check": ("{{", "}}"),
    "finding": ("[/", "/]"),
    "end": ("([", "])"),
}
DOT_SHAPES = {"ask": "diamond", "check": "hexagon", "finding": "note", "end": "doubleoctagon"}


def _mermaid_ids(flow: Flow) -> dict[str, str]:
    out: dict[str, str] = {}
    used: set[str] = set()
    for node in flow.nodes:
        base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", node.id)
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        out[node.id] = name
    return out


def _mermaid_text(text: str) -> str:
    text = " ".join(text.split())
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _label(node: Node) -> str:
    title = node.title
    if node.type == "finding" and node.finding:
        title = f"{title} ({node.finding})"
    return title


def mermaid(flow: Flow) -> str:
    """A Mermaid flowchart of the flow."""
    ids = _mermaid_ids(flow)
    lines = ["flowchart TD"]
    for node in flow.nodes:
        left, right = MERMAID_SHAPES.get(node.type, ("[", "]"))
        lines.append(f'    {ids[node.id]}{left}"{_mermaid_text(_label(node))}"{right}')
    for node in flow.nodes:
        for opt in node.ways_out():
            if opt.next not in ids:
                continue
            label = _mermaid_text(opt.label)
            lines.append(f'    {ids[node.id]} -->|"{label}"| {ids[opt.next]}')
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def dot(flow: Flow) -> str:
    """A Graphviz digraph of the flow."""
    lines = [f'digraph "{_dot_text(flow.id)}" {{', "    rankdir=TB;", "    node [fontsize=10];"]
    for node in flow.nodes:
        shape = DOT_SHAPES.get(node.type, "box")
        lines.append(
            f'    "{_dot_text(node.id)}" [label="{_dot_text(_label(node))}", shape={shape}];'
        )
    for node in flow.nodes:
        for opt in node.ways_out():
            if opt.next not in flow:
                continue
            lines.append(
                f'    "{_dot_text(node.id)}" -> "{_dot_text(opt.next)}" '
                f'[label="{_dot_text(opt.label)}"];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"
