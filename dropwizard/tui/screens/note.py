"""A one-line note for the transcript."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from dropwizard.tui import keys


class NoteScreen(ModalScreen[str | None]):
    """Enter saves the note, Esc drops it."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("note")

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            head = Text("Note at: ", style="bold")
            head.append(self.where)
            yield Static(head)
            yield Input(placeholder="what you saw or did (Enter saves, Esc cancels)", id="note")

    def on_mount(self) -> None:
        inp = self.query_one(Input)
        inp.cursor_blink = self.app.options.cursor_blink  # type: ignore[attr-defined]
        inp.focus()

    @on(Input.Submitted)
    def _save(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_note(self) -> None:
        self.dismiss(None)
