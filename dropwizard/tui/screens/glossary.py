"""The glossary: Q.850 causes, SIP statuses, RFC 4028, conntrack, NAT and VOS3000 terms, searchable."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from dropwizard.training import glossary
from dropwizard.training.glossary import GlossaryEntry
from dropwizard.tui import keys
from dropwizard.tui.text import literal, safe
from dropwizard.tui.widgets.keybar import KeyBar


def entry_text(e: GlossaryEntry) -> Text:
    """Term, category, explanation and reference as literal text."""
    out = Text()
    out.append(safe(e.term), style="bold")
    out.append(f"  ({safe(e.category_title)})\n", style="dim")
    out.append(safe(e.text))
    out.append("\nReference: ", style="dim")
    out.append(safe(e.reference), style="dim")
    return out


class GlossaryScreen(Screen[None]):
    """Type words to filter; up/down move in the list; the entry shows below. Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("glossary")
    DEFAULT_CSS = """
    GlossaryScreen #gl-top { height: 1; background: $primary; color: $text; padding: 0 1;
        text-style: bold; }
    GlossaryScreen #gl-search { height: 1; border: none; padding: 0 1; margin: 0; }
    GlossaryScreen #gl-list { height: 1fr; border: none; padding: 0; background: $background;
        border-top: solid $panel-lighten-2; }
    GlossaryScreen #gl-entry { height: auto; max-height: 9; overflow-y: auto; padding: 0 1;
        border-top: solid $panel-lighten-2; }
    """

    def __init__(self, words: str = "") -> None:
        super().__init__()
        self.words = words
        self.found: list[GlossaryEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="gl-top")
        yield Input(
            value=self.words,
            placeholder="type words to filter (e.g. 503, session timer, conntrack)",
            id="gl-search",
        )
        yield OptionList(id="gl-list")
        yield Static(id="gl-entry")
        yield KeyBar()

    def on_mount(self) -> None:
        self.filter(self.words)
        inp = self.query_one("#gl-search", Input)
        inp.cursor_blink = getattr(getattr(self.app, "options", None), "cursor_blink", True)
        inp.focus()

    @on(Input.Changed, "#gl-search")
    def _changed(self, event: Input.Changed) -> None:
        self.filter(event.value)

    def filter(self, words: str) -> None:
        """Show the entries matching every word (term matches first)."""
        self.words = words
        self.found = glossary.search(words)
        ol = self.query_one("#gl-list", OptionList)
        ol.clear_options()
        for i, e in enumerate(self.found):
            ol.add_option(
                Option(
                    Content.assemble((e.term, "bold"), "  ", (f"{e.category_title}", "dim")),
                    id=str(i),
                )
            )
        total = len(glossary.entries())
        what = f"{len(self.found)} of {total} terms" if words.strip() else f"{total} terms"
        self.query_one("#gl-top", Static).update(
            Text(f"Glossary · {what} · Esc back", no_wrap=True, overflow="ellipsis")
        )
        if self.found:
            ol.highlighted = 0
        self._show(0 if self.found else None)

    def _show(self, index: int | None) -> None:
        box = self.query_one("#gl-entry", Static)
        if index is None or not 0 <= index < len(self.found):
            box.update(literal(f"No glossary entry mentions {self.words.strip()!r}."))
            return
        box.update(entry_text(self.found[index]))

    @on(OptionList.OptionHighlighted, "#gl-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def action_move(self, step: int) -> None:
        ol = self.query_one("#gl-list", OptionList)
        if not self.found:
            return
        current = ol.highlighted if ol.highlighted is not None else 0
        ol.highlighted = max(0, min(len(self.found) - 1, current + step))

    @property
    def shown(self) -> GlossaryEntry | None:
        """The entry in the detail pane."""
        ol = self.query_one("#gl-list", OptionList)
        i = ol.highlighted
        return self.found[i] if i is not None and 0 <= i < len(self.found) else None

    def action_close(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        return True
