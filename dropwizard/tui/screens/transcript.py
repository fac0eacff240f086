"""The transcript so far, scrollable; notes appear where they were added."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from dropwizard.tui import keys
from dropwizard.tui import text as tx
from dropwizard.tui.text import clip, status_value
from dropwizard.tui.widgets.keybar import KeyBar
from dropwizard.tui.widgets.status import StatusLine


def _ts(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


KIND_WIDTH = len("session_started")
"""The event kind column: as wide as the longest kind the core writes."""


def event_line(ev: dict[str, Any], t0: datetime | None, width: int = KIND_WIDTH) -> Text:
    """One transcript event as one literal line, time relative to the session start; the kind
    padded to `width` and always followed by two spaces."""
    t = _ts(ev.get("ts"))
    rel = "      "
    if t and t0:
        rel = tx.rel_time((t - t0).total_seconds())
    kind = str(ev.get("type", "?"))
    line = Text(f"{rel} ", style="dim")
    line.append(f"{kind:<{width}}", style="bold" if kind in ("note", "finding", "override") else "")
    line.append("  ")
    body = ""
    if kind == "session_started":
        body = f"flow {ev.get('flow')} v{ev.get('flow_version', '?')}, source {ev.get('source')}, mode {ev.get('mode')}"
    elif kind == "scope":
        sc = ev.get("scope") or {}
        body = ", ".join(f"{k}={v}" for k, v in sc.items() if v)
    elif kind == "node_entered":
        body = f"{ev.get('node')}: {ev.get('title', '')}"
    elif kind == "evidence":
        e = ev.get("evidence") or {}
        body = f"[{status_value(e.get('status'))}] {e.get('name')}: {e.get('summary', '')}"
    elif kind == "proposal":
        body = f"{ev.get('node')}: proposes {ev.get('option')} - {ev.get('reason', '')}"
    elif kind == "choice":
        body = f"{ev.get('node')}: {ev.get('option')} -> {ev.get('next')} (by {ev.get('by')})"
    elif kind == "override":
        body = f"{ev.get('node')}: chose {ev.get('chosen')} over {ev.get('proposed')}"
        if ev.get("reason"):
            body += f" ({ev.get('reason')})"
    elif kind in ("note", "hint"):
        body = f"{ev.get('node')}: {ev.get('text', '')}"
    elif kind == "back":
        body = f"{ev.get('from')} -> {ev.get('to')}"
    elif kind == "finding":
        f = ev.get("finding") or {}
        body = f"{f.get('id')}: {f.get('title')} ({f.get('severity')})"
    elif kind == "end":
        body = f"{ev.get('node')}: {ev.get('outcome')}"
    else:
        body = ", ".join(f"{k}={v}" for k, v in ev.items() if k not in ("seq", "ts", "type"))
    line.append(clip(body, 400))
    return line


class TranscriptScreen(Screen):
    """The session's events; `n` adds a note at the current step."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("transcript")

    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.wizard = wizard

    def compose(self) -> ComposeResult:
        yield Static(id="tr-top")
        yield VerticalScroll(id="tr-body")
        yield StatusLine(id="tr-path")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        path = self.wizard.transcript_path
        try:
            events = self.app.backend.read_events(path)  # type: ignore[attr-defined]
        except (OSError, ValueError) as exc:
            events = []
            self.notify(f"cannot read the transcript: {exc}", severity="error", markup=False)
        top = Text("Transcript", style="bold")
        top.append(f" - {len(events)} events, saved after every step")
        self.query_one("#tr-top", Static).update(top)
        self.query_one("#tr-path", StatusLine).show("File: ", path)
        t0 = _ts(events[0].get("ts")) if events else None
        body = self.query_one("#tr-body", VerticalScroll)
        body.remove_children()
        width = max([KIND_WIDTH, *(len(str(ev.get("type", "?"))) for ev in events)])
        body.mount_all(
            [Static(event_line(ev, t0, width), classes=f"ev-{ev.get('type', '')}") for ev in events]
        )
        body.scroll_end(animate=False)
        body.focus()

    def action_note(self) -> None:
        from dropwizard.tui.screens.note import NoteScreen

        def done(text: str | None) -> None:
            if text:
                self.wizard.add_note(text)
                self.reload()

        self.app.push_screen(NoteScreen(self.wizard.engine.current.title), callback=done)

    def action_close(self) -> None:
        self.dismiss()
