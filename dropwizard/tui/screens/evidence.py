"""Evidence detail: the full tables, the exact SQL or command line, the raw output."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from dropwizard.tui import keys
from dropwizard.tui import text as tx
from dropwizard.tui.text import fmt_value, literal, status_value
from dropwizard.tui.widgets.evidence_view import _get, headline
from dropwizard.tui.widgets.keybar import KeyBar
from dropwizard.tui.widgets.status import StatusBadge
from dropwizard.tui.widgets.tables import (
    ROW_CAP,
    TableData,
    is_wide,
    record_blocks,
    rich_table,
    tables_in,
)


class EvidenceScreen(Screen):
    """One evidence record at a time; left/right move between the step's records."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("evidence")

    def __init__(self, evidence: list[Any], title: str = "", index: int = 0) -> None:
        super().__init__()
        self.evidence = evidence
        self.title_text = title
        self.index = max(0, min(index, len(evidence) - 1))

    def compose(self) -> ComposeResult:
        yield Static(id="ev-top")
        yield VerticalScroll(id="ev-body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        ev = self.evidence[self.index]
        top = Text(f"Evidence {self.index + 1}/{len(self.evidence)}", style="bold")
        if self.title_text:
            top.append(" - ")
            top.append(tx.safe(self.title_text))
        self.query_one("#ev-top", Static).update(top)
        body = self.query_one("#ev-body", VerticalScroll)
        body.remove_children()
        body.mount_all(list(self._sections(ev)))
        body.scroll_home(animate=False)
        body.focus()

    def _sections(self, ev: Any) -> list[Any]:
        out: list[Any] = [StatusBadge(_get(ev, "status")), Static(headline(ev))]
        meta = Text(style="dim")
        meta.append(
            f"kind {_get(ev, 'kind', '?')} · status {status_value(_get(ev, 'status'))}"
            f" · started {tx.clock_text(_get(ev, 'started_at'))}"
            f" · took {tx.duration_text(_get(ev, 'duration_ms', 0) or 0) or '-'}"
        )
        out.append(Static(meta))
        out.append(Static(Text("Asked", style="bold"), classes="section"))
        out.append(Static(literal(_get(ev, "asked", "") or "-"), classes="code"))
        facts = _get(ev, "facts", {}) or {}
        if facts:
            out.append(Static(Text("Facts", style="bold"), classes="section"))
            rows = [[f"{_get(ev, 'name', '')}.{k}", fmt_value(v)] for k, v in facts.items()]
            out.append(
                Static(
                    rich_table(
                        TableData("facts", ["fact", "value"], rows, len(rows)),
                        max_rows=len(rows),
                        cell=60,
                    )
                )
            )
        for table in tables_in(_get(ev, "data", {}) or {}):
            head = Text(table.title, style="bold")
            if table.total > ROW_CAP:
                head.append(f"  (first {ROW_CAP} of {table.total} rows)", style="dim")
            out.append(Static(head, classes="section"))
            if is_wide(table, self.size.width or 80):
                out.append(Static(record_blocks(table)))
            else:
                out.append(Static(rich_table(table, max_rows=ROW_CAP, cell=40)))
        advice = _get(ev, "advice", []) or []
        if advice:
            out.append(Static(Text("Advice", style="bold"), classes="section"))
            out.extend(Static(literal("→ " + a)) for a in advice)
        out.append(Static(Text("Raw output", style="bold"), classes="section"))
        out.append(Static(literal(_get(ev, "raw", "") or "(none)"), classes="code"))
        return out

    def action_step(self, delta: int) -> None:
        if len(self.evidence) > 1:
            self.index = (self.index + delta) % len(self.evidence)
            self.show()

    def action_close(self) -> None:
        self.dismiss()
