"""`because` templates: literal text with `{fact}`, `{fact:fmt}` or `{fact:pct}` fields.

Only dotted fact names are interpolated (never attributes or indexes); `{{` and `}}` are
literal braces. A fact that is missing renders as `unknown`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
SPEC_RE = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?\d*[,_]?(?:\.\d+)?[bcdeEfFgGnosxX%]?")
MISSING = "unknown"


class TemplateError(Exception):
    """A malformed template; `column` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} at column {column}")
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Field:
    name: str
    spec: str


@dataclass(frozen=True)
class Template:
    text: str
    parts: tuple[str | Field, ...]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parts if isinstance(p, Field)]

    def render(self, facts: Mapping[str, Any]) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part.name not in facts:
                out.append(MISSING)
            else:
                out.append(format_value(facts[part.name], part.spec))
        return "".join(out)


def format_value(value: Any, spec: str) -> str:
    """Format one fact; `pct` turns 0.37 into `37 %`; a spec that does not fit falls back."""
    if value is None:
        return "none"
    if spec == "pct":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value * 100:.0f} %"
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v, spec) for v in value) or "none"
    if not spec:
        return str(value)
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        return str(value)


def parse_template(text: str) -> Template:
    """Parse a `because` template; raises TemplateError."""
    if not isinstance(text, str):
        raise TemplateError("a template must be text", 1)
    parts: list[str | Field] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "{":
            if text.startswith("{{", i):
                buf.append("{")
                i += 2
                continue
            end = text.find("}", i + 1)
            if end < 0:
                raise TemplateError("'{' is never closed (write {{ for a brace)", i + 1)
            body = text[i + 1 : end]
            if "{" in body:
                raise TemplateError("'{' inside a field", i + 1 + body.index("{") + 1)
            name, sep, spec = body.partition(":")
            name = name.strip()
            if not NAME_RE.fullmatch(name):
                raise TemplateError(
                    f"{{{body}}} must name a fact like {{cdr.causes.top_cause}}", i + 1
                )
            if sep and spec != "pct" and not SPEC_RE.fullmatch(spec):
                raise TemplateError(f"bad format spec {spec!r} in {{{body}}}", i + 1)
            if sep and not spec:
                raise TemplateError(f"empty format spec in {{{body}}}", i + 1)
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(Field(name, spec))
            i = end + 1
        elif c == "}":
            if text.startswith("}}", i):
                buf.append("}")
                i += 2
                continue
            raise TemplateError("'}' without '{' (write }} for a brace)", i + 1)
        else:
            buf.append(c)
            i += 1
    if buf:
        parts.append("".join(buf))
    return Template(text=text, parts=tuple(parts))
