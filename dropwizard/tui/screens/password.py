"""The MySQL password, asked inside the app when neither ~/.my.cnf nor the environment has it."""

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
from dropwizard.tui.text import literal


class PasswordScreen(ModalScreen[str | None]):
    """Enter tries the password (kept in this process only), Esc gives up."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("password")

    def __init__(self, where: str, reason: str) -> None:
        super().__init__()
        self.where = where
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(Text(f"MySQL password for {self.where}", style="bold"))
            yield Static(literal(self.reason), classes="dim")
            yield Input(
                password=True, placeholder="password (Enter tries it, Esc cancels)", id="password"
            )
            yield Static(
                literal("Not saved anywhere: put it in ~/.my.cnf [client] to skip this next time."),
                classes="dim",
            )

    def on_mount(self) -> None:
        inp = self.query_one(Input)
        inp.cursor_blink = self.app.options.cursor_blink  # type: ignore[attr-defined]
        inp.focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_give_up(self) -> None:
        self.dismiss(None)
