"""Answers files for headless training runs (exams graded by script).

```yaml
start: gateway            # node id: option id
step1: cause102
step2: [after_silence, consistent_interval]   # a list: wrong attempts first, each retried
hints: {step2: 1}         # optional: hints taken at a node before choosing
```
The same mapping may sit under `answers:` (with `hints:` beside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dropwizard.errors import InputError
from dropwizard.training.yamllines import LineDict, load_with_lines, yaml_error_line


@dataclass
class Answers:
    choices: dict[str, list[str]] = field(default_factory=dict)
    hints: dict[str, int] = field(default_factory=dict)
    source: str = "answers"
    lines: dict[str, int] = field(default_factory=dict)

    def check(self, flow: Any) -> None:
        """Every node and option named exists in the flow; raises InputError `file:line: ...`."""
        for node_id, options in self.choices.items():
            line = self.lines.get(node_id, 1)
            if node_id not in flow:
                raise InputError(f"{self.source}:{line}: flow {flow.id!r} has no node {node_id!r}")
            node = flow.node(node_id)
            for opt in options:
                if node.option(opt) is None:
                    ids = ", ".join(o.id for o in node.ways_out()) or "none"
                    raise InputError(
                        f"{self.source}:{line}: node {node_id!r} has no option {opt!r} "
                        f"(options: {ids})"
                    )


def parse_answers(text: str, source: str = "answers") -> Answers:
    """Parse an answers file; problems raise InputError as `file:line: message`."""
    try:
        raw = load_with_lines(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}:{yaml_error_line(exc)}: not valid YAML") from None
    if raw is None:
        return Answers()
    if not isinstance(raw, LineDict):
        raise InputError(f"{source}:1: an answers file maps node ids to option ids")
    body = raw.get("answers", raw) if "answers" in raw else raw
    if not isinstance(body, LineDict):
        raise InputError(f"{source}:{raw.line_of('answers')}: `answers` maps node ids to options")
    out = Answers(source=source)
    for node, value in body.items():
        if node == "hints" and body is raw:
            continue
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
            raise InputError(
                f"{source}:{body.line_of(node)}: `{node}` needs an option id or a list of them"
            )
        out.choices[str(node)] = [str(x) for x in items]
        out.lines[str(node)] = body.line_of(node)
    hints = raw.get("hints") or {}
    if isinstance(hints, list):
        hints = {str(n): 1 for n in hints}
    if not isinstance(hints, dict):
        raise InputError(f"{source}:{raw.line_of('hints')}: `hints` maps node ids to a count")
    for node, n in hints.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            line = hints.line_of(node) if isinstance(hints, LineDict) else raw.line
            raise InputError(f"{source}:{line}: hints for `{node}` must be a count")
        out.hints[str(node)] = n
    return out


def load_answers(path: str | Path) -> Answers:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot read answers file: {exc.strerror or exc}") from None
    return parse_answers(text, str(p))
