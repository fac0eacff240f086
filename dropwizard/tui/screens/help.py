"""F1: the keys (as remapped) and the current step's help."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from dropwizard.tui import keys
from dropwizard.tui import text as tx
from dropwizard.tui.text import literal
from dropwizard.tui.widgets.keybar import KeyBar

SCOPES = (
    ("wizard", "Wizard"),
    ("app", "Everywhere"),
    ("diagnosis", "Diagnosis"),
    ("evidence", "Evidence detail"),
    ("transcript", "Transcript"),
    ("start", "Start"),
)


def keys_table(keymap: Mapping[str, str]) -> Table:
    """Every binding with its current key and id (the id remaps it in [keys])."""
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    t.add_column(Text("Key"), no_wrap=True)
    t.add_column(Text("Does"))
    t.add_column(Text("id ([keys] in config.toml)"), no_wrap=True, style="dim")
    for scope, title in SCOPES:
        t.add_row(Text(title, style="bold"), "", "")
        for k in keys.KEYS:
            if k.scope != scope or not k.help:
                continue
            key = keys.effective_key(k.id, keymap)
            if k.id == "wizard.option1":
                key, what = "1-9", "Choose that option"
            else:
                what = k.help
            t.add_row(literal(key), literal(what), literal(k.id))
    t.add_row(literal("arrows, enter"), literal("Move in the options and choose"), "")
    return t


class HelpScreen(ModalScreen[None]):
    """Keys and the current node's help; Esc or F1 closes."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("help")

    def __init__(self, node: Any = None, keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.node = node
        self.keymap = dict(keymap or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"), VerticalScroll(id="help-scroll"):
            node = self.node
            if node is not None:
                head = Text("This step: ", style="bold")
                head.append(f"{node.title} ({node.id}, {node.type})")
                yield Static(head, classes="help-head")
                if getattr(node, "question", None):
                    yield Static(literal(node.question))
                yield Static(literal(tx.reflow(node.explain or "")), classes="help-explain")
                gathers = getattr(node, "gather", []) or []
                if gathers:
                    yield Static(literal("Checks: " + ", ".join(gathers)))
                if getattr(node, "reference", None):
                    yield Static(literal(f"Reference: {node.reference}"), classes="dim")
            yield Static(Text("Keys", style="bold"), classes="help-head")
            yield Static(keys_table(self.keymap))
            yield Static(
                literal(
                    "Slow link: TEXTUAL_FPS=20. No colour: NO_COLOR=1. 16 colours: "
                    "choose the ansi-dark theme in the palette (Ctrl+P)."
                ),
                classes="dim",
            )
        yield KeyBar()

    def action_close(self) -> None:
        self.dismiss()

    def action_glossary(self) -> None:
        """Swap help for the glossary (Q.850, SIP, RFC 4028, conntrack, NAT, VOS3000 terms)."""
        from dropwizard.tui.screens.glossary import GlossaryScreen

        self.dismiss()
        self.app.push_screen(GlossaryScreen())
