"""Tables found in evidence data: every list of records, capped and cut safely."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from dropwizard.tui.text import clip, fmt_value, literal

ROW_CAP = 500
"""Rows kept per table in the detail screen."""


@dataclass
class TableData:
    """A titled table of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    total: int = 0


def _records_table(title: str, records: list[Any]) -> TableData | None:
    if records and all(isinstance(r, Mapping) for r in records):
        cols: list[str] = []
        for r in records[:ROW_CAP]:
            for k in r:
                if k not in cols:
                    cols.append(str(k))
        rows = [[r.get(c) for c in cols] for r in records[:ROW_CAP]]
        return TableData(title, cols, rows, len(records))
    if records and all(isinstance(r, list | tuple) for r in records):
        width = max(len(r) for r in records)
        cols = [f"#{i + 1}" for i in range(width)]
        rows = [list(r) + [None] * (width - len(r)) for r in records[:ROW_CAP]]
        return TableData(title, cols, rows, len(records))
    return None


def tables_in(data: Mapping[str, Any], prefix: str = "") -> list[TableData]:
    """Every list of records (dicts or rows) in `data`, depth-first, plus mappings of scalars."""
    out: list[TableData] = []
    scalars: list[list[Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, list):
            t = _records_table(name, value)
            if t:
                out.append(t)
            elif value:
                scalars.append([key, value])
        elif isinstance(value, Mapping):
            if value and all(not isinstance(v, Mapping | list) for v in value.values()):
                rows = [[k, v] for k, v in value.items()]
                out.append(TableData(name, ["key", "value"], rows, len(rows)))
            else:
                out.extend(tables_in(value, prefix=name + "."))
        else:
            scalars.append([key, value])
    if scalars and not prefix:
        out.insert(0, TableData("values", ["key", "value"], scalars, len(scalars)))
    return out


def rich_table(table: TableData, max_rows: int = 6, cell: int = 24) -> Table:
    """A compact Rich table of the first rows; all cells literal."""
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    for c in table.columns:
        t.add_column(literal(clip(c, cell)), overflow="ellipsis", no_wrap=True)
    for row in table.rows[:max_rows]:
        t.add_row(*(literal(clip(fmt_value(v), cell)) for v in row))
    if table.total > max_rows:
        t.caption = f"{max_rows} of {table.total} rows; v shows all"
    return t


KEY_COLUMNS = frozenset({"id", "name", "gateway", "gw", "node", "callid", "call_id", "cause"})
"""Columns that name things: shown whole (a cut gateway name is a wrong gateway name)."""
KEY_CELL = 48
"""Longest key cell shown whole."""


def is_key_column(name: str) -> bool:
    n = name.lower()
    return n in KEY_COLUMNS or n.endswith(("_id", "gateway", "_name"))


def fit_table(table: TableData, width: int, max_rows: int = 4, cell: int = 24) -> Table:
    """The table in `width` columns for an evidence card: key columns (ids, gateway names)
    whole, other cells cut at `cell`; when it is still too wide, the longest other columns are
    left out (the caption says so; `v` shows them all)."""
    rows = table.rows[:max_rows]
    key = [is_key_column(c) for c in table.columns]
    need = [
        min(
            max([len(clip(fmt_value(r[i]), 400)) for r in rows] + [len(c)]),
            KEY_CELL if key[i] else cell,
        )
        for i, c in enumerate(table.columns)
    ]
    full = [
        max([len(clip(fmt_value(r[i]), 400)) for r in rows] + [0])
        for i in range(len(table.columns))
    ]
    keep = list(range(len(table.columns)))

    def cost() -> int:
        return sum(need[i] for i in keep) + 3 * (len(keep) - 1)

    droppable = sorted((i for i in keep if not key[i]), key=lambda i: (full[i], i), reverse=True)
    while keep and cost() > width and droppable:
        keep.remove(droppable.pop(0))
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    for i in keep:
        t.add_column(
            literal(clip(table.columns[i], need[i])),
            overflow="ellipsis",
            no_wrap=True,
            min_width=need[i] if key[i] else None,
        )
    for row in rows:
        t.add_row(*(literal(clip(fmt_value(row[i]), need[i])) for i in keep))
    notes = []
    if table.total > max_rows:
        notes.append(f"{max_rows} of {table.total} rows")
    if len(keep) < len(table.columns):
        notes.append(f"{len(keep)} of {len(table.columns)} columns")
    if notes:
        t.caption = "; ".join(notes) + "; v shows all"
    return t


def best_table(tables: list[TableData]) -> TableData | None:
    """The table worth showing on the wizard screen: records first, key/value last."""
    records = [t for t in tables if t.columns != ["key", "value"] and t.title != "findings"]
    for group in (records, [t for t in tables if t.title == "findings"], tables):
        if group:
            return group[0]
    return None


def is_wide(table: TableData, width: int = 80) -> bool:
    """True when a table would not read well across `width` columns."""
    if len(table.columns) > 5:
        return True
    longest = [
        max([len(clip(fmt_value(r[i]), 200)) for r in table.rows] + [len(c)])
        for i, c in enumerate(table.columns)
    ]
    return sum(min(x, 40) + 2 for x in longest) > width


def record_blocks(table: TableData, max_rows: int = ROW_CAP) -> Text:
    """Each row as a block of `column: value` lines (for wide tables on narrow screens)."""
    out = Text()
    for i, row in enumerate(table.rows[:max_rows], 1):
        out.append(f"{i}.\n", style="bold")
        for col, value in zip(table.columns, row, strict=False):
            if value in (None, "", [], {}):
                continue
            out.append(f"   {col}: ", style="dim")
            out.append(clip(fmt_value(value), 400))
            out.append("\n")
    return out
