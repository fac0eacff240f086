"""Column charts drawn with plain characters: marks are carets under the columns, so they read
without colour (NO_COLOR, 16 colours, monochrome)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

LEVELS = " ▁▂▃▄▅▆▇█"
MARK = "^"


@dataclass
class ChartData:
    """Columns to draw: values, an x label per column, which columns are marked, and a legend."""

    values: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    marked: list[bool] = field(default_factory=list)
    legend: str = ""
    unit: str = ""
    empty: str = "nothing to draw"

    def __post_init__(self) -> None:
        n = len(self.values)
        self.labels = (list(self.labels) + [""] * n)[:n]
        self.marked = (list(self.marked) + [False] * n)[:n]


def short_number(n: float) -> str:
    """At most four characters: 7, 0.5, 950, 12k, 3M."""
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    if n >= 1e4:
        return f"{n / 1e3:.0f}k"
    if n == int(n):
        return str(int(n))
    if n < 1:
        return f"{n:.2f}".lstrip("0") or "0"
    return f"{n:.0f}"


def _merge(data: ChartData, width: int) -> ChartData:
    """Sum neighbouring columns until they fit in `width`."""
    n = len(data.values)
    if n <= width or width <= 0:
        return data
    k = -(-n // width)
    out = ChartData(legend=data.legend, unit=data.unit, empty=data.empty)
    for i in range(0, n, k):
        out.values.append(sum(data.values[i : i + k]))
        out.labels.append(data.labels[i])
        out.marked.append(any(data.marked[i : i + k]))
    return out


def render_chart(
    data: ChartData,
    width: int,
    rows: int,
    *,
    bar: Style | str = "",
    mark: Style | str = "bold",
    axis: Style | str = "dim",
) -> Text:
    """The chart as text lines: `rows` of columns, a caret row, an axis row, the legend."""
    if not data.values or max(data.values) <= 0:
        return Text(data.empty, style=axis)
    plot_w = max(width - 6, 4)
    data = _merge(data, plot_w)
    gutter = len(short_number(max(data.values))) + 1
    n = len(data.values)
    cw = max(1, min(4, plot_w // n))
    top = max(data.values)
    out = Text(no_wrap=True, overflow="crop")
    for r in range(rows, 0, -1):
        label = short_number(top) if r == rows else ""
        out.append(label.rjust(gutter - 1) + "│", style=axis)
        for v, m in zip(data.values, data.marked, strict=True):
            level = v / top * rows
            if level >= r:
                ch = LEVELS[-1]
            elif level > r - 1:
                ch = LEVELS[max(1, round((level - (r - 1)) * 8))] if v > 0 else " "
            else:
                ch = " "
            out.append(ch * cw, style=mark if m else bar)
        out.append("\n")
    carets = "".join((MARK if m else " ") * cw for m in data.marked)
    out.append(" " * (gutter - 1) + "└", style=axis)
    if any(data.marked):
        out.append(carets.rstrip(), style=mark)
    else:
        out.append("─" * (n * cw), style=axis)
    out.append("\n")
    out.append(_axis_labels(data.labels, cw, gutter, n * cw, data.unit), style=axis)
    if data.legend:
        out.append("\n")
        out.append((MARK + " " if any(data.marked) else "") + data.legend, style=mark)
    return out


def _axis_labels(labels: Sequence[str], cw: int, gutter: int, span: int, unit: str) -> str:
    """Labels under the columns, as many as fit without overlapping."""
    line = [" "] * (gutter + span + 12)
    pos = 0
    for i, label in enumerate(labels):
        x = gutter + i * cw
        if not label or x < pos:
            continue
        text = label
        if x + len(text) > len(line):
            break
        line[x : x + len(text)] = text
        pos = x + len(text) + 1
    tail = "".join(line).rstrip()
    return tail + (f" {unit}" if unit else "")


class ColumnChart(Widget):
    """A column chart with marked columns; the marks survive NO_COLOR as carets."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"chart--bar", "chart--mark", "chart--axis"}
    DEFAULT_CSS = """
    ColumnChart { height: auto; width: 1fr; }
    ColumnChart > .chart--bar { color: $primary; }
    ColumnChart > .chart--mark { color: $warning; text-style: bold; }
    ColumnChart > .chart--axis { color: $text-muted; }
    """

    def __init__(
        self, data: ChartData, rows: int = 5, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.data = data
        self.rows = rows

    def render(self) -> Text:
        width = self.size.width or 78
        return render_chart(
            self.data,
            width,
            self.rows,
            bar=self.get_component_rich_style("chart--bar"),
            mark=self.get_component_rich_style("chart--mark"),
            axis=self.get_component_rich_style("chart--axis"),
        )

    def get_content_height(self, container, viewport, width: int) -> int:  # type: ignore[no-untyped-def]
        if not self.data.values or max(self.data.values) <= 0:
            return 1
        return self.rows + 2 + (1 if self.data.legend else 0)
