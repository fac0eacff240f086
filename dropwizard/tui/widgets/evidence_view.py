"""One piece of evidence on the wizard screen: status, summary, chart or table, advice."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from dropwizard.tui import text as tx
from dropwizard.tui.text import clip, literal, safe, status_value
from dropwizard.tui.widgets.chart import ColumnChart
from dropwizard.tui.widgets.evidence_charts import duration_chart, rejection_chart
from dropwizard.tui.widgets.status import StatusBadge
from dropwizard.tui.widgets.tables import TableData, best_table, fit_table, tables_in


def _get(ev: Any, name: str, default: Any = None) -> Any:
    if isinstance(ev, dict):
        return ev.get(name, default)
    return getattr(ev, name, default)


def headline(ev: Any) -> Text:
    """`cdr.causes  412 calls, 61 % cause 102   (38 ms)` as literal text."""
    text = Text()
    text.append(safe(str(_get(ev, "name", "?"))), style="bold")
    text.append("  ")
    text.append(safe(str(_get(ev, "summary", ""))))
    took = tx.duration_text(_get(ev, "duration_ms", 0) or 0)
    if took:
        text.append(f"  ({took})", style="dim")
    return text


class EvidenceCard(Vertical):
    """Evidence as it arrived: a chart when one applies, else the first table."""

    DEFAULT_CSS = """
    EvidenceCard { height: auto; margin-bottom: 1; }
    EvidenceCard > Horizontal { height: auto; }
    EvidenceCard .ev-head { width: 1fr; height: auto; }
    EvidenceCard .ev-advice { color: $text-muted; }
    EvidenceCard .ev-table { height: auto; }
    EvidenceCard.-error .ev-head { color: $error; }
    """

    def __init__(
        self, ev: Any, *, compact: bool = True, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.ev = ev
        self.compact = compact
        self.extra = extra or {}
        self.add_class(f"-{status_value(_get(ev, 'status'))}")

    def compose(self) -> ComposeResult:
        ev = self.ev
        with Horizontal():
            yield StatusBadge(_get(ev, "status"))
            yield Static(headline(ev), classes="ev-head")
        facts = _get(ev, "facts", {}) or {}
        data = {**(_get(ev, "data", {}) or {}), **self.extra}
        name = str(_get(ev, "name", ""))
        chart = None
        if name.endswith("durations"):
            chart = duration_chart(facts, data)
        elif name.endswith("providers"):
            chart = rejection_chart(facts, data)
        if chart is not None:
            yield ColumnChart(chart, rows=4 if self.compact else 6)
        else:
            table = best_table(
                [t for t in tables_in(data) if t.title not in ("values", "window", "notes")]
            )
            if table is not None:
                rows = 4 if self.compact else 12
                yield CardTable(table, rows, classes="ev-table")
        for line in (_get(ev, "advice", []) or [])[:2]:
            yield Static(literal("→ " + clip(line, 200)), classes="ev-advice")


class CardTable(Static):
    """A card's table fitted to the card's width (see `fit_table`), refitted on resize."""

    def __init__(self, table: TableData, max_rows: int, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.table = table
        self.max_rows = max_rows
        self._width = 0

    def on_mount(self) -> None:
        self._fit(self.content_size.width or max(self.app.size.width - 4, 20))

    def on_resize(self) -> None:
        if self.content_size.width:
            self._fit(self.content_size.width)

    def _fit(self, width: int) -> None:
        if width != self._width:
            self._width = width
            self.update(fit_table(self.table, width, self.max_rows))


class RunningCard(Horizontal):
    """Placeholder while a gatherer runs."""

    DEFAULT_CSS = """
    RunningCard { height: 1; margin-bottom: 1; }
    RunningCard > .running-text { width: 1fr; color: $text-muted; }
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.gatherer = name

    def compose(self) -> ComposeResult:
        yield StatusBadge("running")
        yield Static(literal(f"{self.gatherer}  running… (Esc cancels)"), classes="running-text")
