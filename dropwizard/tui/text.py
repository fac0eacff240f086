"""Text that came from a database, a log or a capture is rendered literally, never as markup."""

from __future__ import annotations

from typing import Any

from rich.text import Text

CELL_MAX = 60
"""Longest table cell shown before it is cut."""

STATUS_LABEL: dict[str, str] = {
    "ok": " OK ",
    "warn": "WARN",
    "fail": "FAIL",
    "error": "ERR ",
    "skipped": "SKIP",
    "running": " .. ",
}
"""Status words readable without colour (NO_COLOR, monochrome terminals)."""


def status_value(status: Any) -> str:
    """`Status.OK`, "ok" -> "ok"."""
    return str(getattr(status, "value", status) or "").lower()


_CONTROLS = {c: "\ufffd" for c in [*range(0, 9), *range(11, 32), 127, *range(128, 160)]}
"""Control characters (escape sequences included) that must never reach the terminal."""


def safe(text: str) -> str:
    """Text with terminal control characters replaced; newlines and tabs kept."""
    return text.translate(_CONTROLS)


def literal(value: Any, style: str = "") -> Text:
    """Any value as literal text: brackets stay brackets, escape sequences are defused."""
    return Text(safe(str(value)), style=style)


def clip(value: Any, limit: int = CELL_MAX) -> str:
    """One-line text cut to `limit` characters with an ellipsis."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", " ⏎ ").replace("\r", " ").replace("\n", " ⏎ ")
    text = "".join(" " if ch == "\t" or not ch.isprintable() else ch for ch in text)
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 1)] + "…"


def fmt_value(value: Any) -> str:
    """A fact or cell value in a short readable form."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if 0 < abs(value) < 1:
            return f"{value:.3f}".rstrip("0").rstrip(".")
        return f"{value:.1f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt_value(v)}" for k, v in value.items())
    if value is None:
        return "-"
    return str(value)


def duration_text(ms: float) -> str:
    """How long a check took: `38 ms`, `2.4 s`."""
    if not ms:
        return ""
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def rel_time(seconds: float) -> str:
    """Time since the session started: `+02:05`."""
    s = max(0, int(seconds))
    return f"+{s // 60:02d}:{s % 60:02d}"


def clock_text(iso: str | None) -> str:
    """A stored UTC timestamp as shown: `2026-11-28 14:05:00Z`."""
    if not iso:
        return "?"
    return str(iso).replace("T", " ")[:19] + "Z"


def reflow(text: str) -> str:
    """Join the hard-wrapped lines of flow prose into paragraphs; keep lists and indented lines."""
    out: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(" ".join(para))
            para.clear()

    for raw in (text or "").splitlines():
        line = raw.rstrip()
        stripped = line.lstrip()
        if not stripped:
            flush()
            out.append("")
        elif (
            line != stripped
            or stripped[:2] in ("- ", "* ", "• ")
            or (
                stripped[:1].isdigit()
                and (stripped[1:3] in (". ", ") ") or stripped[2:4] in (". ", ") "))
            )
        ):
            flush()
            out.append(line)
        else:
            para.append(stripped)
    flush()
    return "\n".join(out).strip("\n")


def short_path(path: Any, limit: int) -> str:
    """A path in at most `limit` characters: the home directory as `~`, then, if still too long,
    the middle cut with `…` so the file name stays whole (it is cut only when it alone is longer).
    """
    import os
    from pathlib import Path

    text = safe(str(path)).replace("\n", " ")
    try:
        home = str(Path.home())
    except (KeyError, RuntimeError):
        home = ""
    if home not in ("", os.sep) and (text == home or text.startswith(home + os.sep)):
        text = "~" + text[len(home) :]
    limit = max(limit, 1)
    if len(text) <= limit:
        return text
    folder, sep, name = text.rpartition(os.sep)
    if not sep or len(name) + 2 > limit:
        return "…" + text[len(text) - limit + 1 :] if limit > 1 else "…"
    keep = limit - len(name) - 2
    return f"{folder[:keep]}…{os.sep}{name}"
