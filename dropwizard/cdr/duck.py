"""CSV exports and the demo day through DuckDB.

The file is parsed once, in DuckDB's C++ CSV reader, into an in-memory table `e_cdr` holding the
columns the analytics read; every statement then runs on that table. Malformed rows are skipped by
the reader and reported with their line numbers (DuckDB's reject tables). GBK exports are
transcoded to UTF-8 on the fly before parsing.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import tempfile
import threading
import time
import zlib
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from dropwizard.cdr.base import CdrSource, QueryCancelled, QueryTimeout, TablePlan
from dropwizard.cdr.schema import (
    LOGICAL,
    NUMERIC,
    ColumnMap,
    canonical_column,
    normalise_header,
)
from dropwizard.cdr.sql import Stmt, guard, to_qmark
from dropwizard.errors import InputError

TABLE = "e_cdr"
KEEP: tuple[str, ...] = tuple(sorted({c for cands in LOGICAL.values() for c in cands}))
LOOKUP_ONLY = frozenset(
    {
        "callere164",
        "calleee164",
        "calleraccesse164",
        "calleeaccesse164",
        "callerip",
        "calleeip",
        "callercallid",
        "calleecallid",
    }
)
"""Text columns only the single-call lookup reads: a large file leaves them out of the table
(they cost more to load than all the others together) and the lookup reads the file again."""
LAZY_ROWS_BYTES = 64 << 20
LOOKUP_VIEW = "e_cdr_00000000"
"""Physical columns kept in the table (everything any logical field can map to)."""

MAX_REPORTED_BAD_LINES = 5
_KNOWN = tuple(sorted(set(KEEP) | NUMERIC | {"customername", "customeraccount", "fee"}))
CUT_SHORT = (EOFError, gzip.BadGzipFile, zlib.error)
"""What reading a truncated or damaged .gz raises once the readable part is used up."""


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _cut_note(where: str, line: int) -> str:
    return (
        f"{where}: the compressed file is truncated after line {line}: the rows before the cut "
        "were analysed, the rest is lost (copy the export again to read it all)"
    )


def _sniff(path: Path) -> tuple[str, str, str]:
    """(header line, encoding, delimiter) from the start of the file."""
    head = b""
    try:
        with _open_bytes(path) as fh:
            while len(head) < 1 << 20 and (chunk := fh.read1(1 << 16)):
                head += chunk
    except CUT_SHORT as exc:
        if "not a gzipped file" in str(exc).lower():
            raise InputError(
                f"{path}: not gzip-compressed ({exc}): name it .csv if it is a plain CSV export"
            ) from None
        if not head.strip():
            raise InputError(
                f"{path}: the compressed file is truncated or damaged before its first line: "
                "copy the export again"
            ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    if not head.strip():
        raise InputError(f"{path}: the file is empty (expected a header row of VOS3000 columns)")
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    enc = "utf-8"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        enc = "utf-8" if exc.start > len(head) - 4 else "gbk"
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    text = first.decode(enc, errors="replace")
    delim = max((",", ";", "\t", "|"), key=text.count)
    return text, enc, delim


def _transcode(path: Path, encoding: str, tmpdir: str) -> tuple[Path, int | None]:
    """A UTF-8 copy of a GBK (or other) export, streamed; and the last whole line read when a
    compressed file is cut short (else None)."""
    out = Path(tmpdir) / "export-utf8.csv"
    lines, tail = 0, ""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_bytes(path) as src, out.open("w", encoding="utf-8", newline="") as dst:
        try:
            while chunk := src.read1(1 << 20):
                whole, nl, tail = (tail + decoder.decode(chunk)).rpartition("\n")
                if nl:
                    dst.write(whole + nl)
                    lines += whole.count("\n") + 1
        except CUT_SHORT:
            return out, lines
        dst.write(tail + decoder.decode(b"", final=True))
    return out, None


def _runs_on(end: int) -> str:
    return f"unterminated quote: the field runs on through line {end}"


def _rejects(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """{line: reason} from DuckDB's reject table: the first error of each row, and how far a
    row that runs over several lines reaches."""
    rows = con.execute(
        "SELECT line, error_type, csv_line, error_message FROM reject_errors "
        "ORDER BY line, column_idx"
    ).fetchall()
    bad: dict[int, str] = {}
    runs: dict[int, int] = {}
    unterminated: set[int] = set()
    for line, kind, text, message in rows:
        n = int(line)
        bad.setdefault(n, (str(message).splitlines() or [""])[0])
        span = str(text or "").strip("\r\n").count("\n")
        runs[n] = max(runs.get(n, 0), span)
        if str(kind) == "UNQUOTED VALUE":
            unterminated.add(n)
    for n, span in runs.items():
        if span and n in unterminated:
            bad[n] = _runs_on(n + span)
        elif span:
            bad[n] = f"{bad[n]}; the row runs on through line {n + span}"
    return bad


def _clean_copy(
    path: Path, names: list[str], delim: str, tmp: Path
) -> tuple[Path, dict[int, str], int | None]:
    """Stream a CSV that DuckDB's reader rejects as a whole: keep well-formed rows, note the rest.

    Also returns the last whole line read when a compressed file is cut short (else None): the
    rows before the cut are kept.
    """
    bad: dict[int, str] = {}
    numeric = [i for i, n in enumerate(names) if n in NUMERIC]
    out = tmp / "clean.csv"
    with _open_bytes(path) as raw, out.open("w", encoding="utf-8", newline="") as dst:
        src = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        rd = csv.reader(src, delimiter=delim)
        w = csv.writer(dst, delimiter=delim, lineterminator="\n")
        try:
            w.writerow(next(rd))
        except StopIteration:
            return out, bad, None
        except CUT_SHORT:
            return out, bad, 0
        line = rd.line_num
        while True:
            try:
                row = next(rd)
            except StopIteration:
                break
            except CUT_SHORT:
                return out, bad, line
            except csv.Error as exc:
                bad[line + 1] = f"unreadable row: {exc}"
                line = rd.line_num
                continue
            start, line = line + 1, rd.line_num
            if not row:
                continue
            if len(row) != len(names):
                bad[start] = (
                    _runs_on(line)
                    if line > start
                    else f"expected {len(names)} fields, found {len(row)}"
                )
                continue
            if any(row[i].strip() and not row[i].strip().lstrip("-").isdigit() for i in numeric):
                bad[start] = "a numeric column holds text"
                continue
            if any("\n" in c or "\r" in c for c in row):
                bad[start] = "a field holds a line break"
                continue
            w.writerow(row)
    return out, bad, None


class DuckSource(CdrSource):
    """A CSV export or the demo day, loaded into DuckDB."""

    dialect = "duckdb"

    def __init__(self, kind: str, label: str, *, max_seconds: float = 30.0) -> None:
        super().__init__()
        self.kind = kind
        self.label = label
        self.max_seconds = max_seconds
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET threads TO 2")
        self.con.execute("SET preserve_insertion_order = false")
        self.cm: ColumnMap | None = None
        self.bad_lines: list[tuple[int, str]] = []
        self.bad_count = 0
        self.rows = 0
        self.min_stop: int | None = None
        self.max_stop: int | None = None
        self._lock = threading.Lock()
        self._lookup_sql: str | None = None
        self._lookup_cm: ColumnMap | None = None
        self._lookup_ready = False

    # loading ------------------------------------------------------------------------------
    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike[str],
        *,
        max_seconds: float = 30.0,
        kind: str = "csv",
        label: str | None = None,
    ) -> DuckSource:
        p = Path(path).expanduser()
        if not p.is_file():
            raise InputError(f"{p}: no such file (give a VOS3000 CDR export .csv or .csv.gz)")
        src = cls(kind, label or str(p), max_seconds=max_seconds)
        header, enc, delim = _sniff(p)
        with tempfile.TemporaryDirectory(prefix="dropwizard-") as tmp:
            data, cut = p, None
            if enc != "utf-8":
                data, cut = _transcode(p, enc, tmp)
                src.notes.append(f"{p.name}: read as {enc.upper()} and converted to UTF-8")
            lazy = enc == "utf-8" and p.stat().st_size >= LAZY_ROWS_BYTES
            src._load(data, header, delim, str(p), lazy=lazy, cut=cut)
        return src

    @classmethod
    def from_tuples(
        cls,
        rows: Sequence[Sequence[Any]],
        columns: Sequence[str],
        *,
        label: str = "demo",
        kind: str = "demo",
        max_seconds: float = 30.0,
    ) -> DuckSource:
        """Rows already in memory (the demo generator, tests) via a temporary CSV file."""
        src = cls(kind, label, max_seconds=max_seconds)
        with tempfile.TemporaryDirectory(prefix="dropwizard-") as tmp:
            path = Path(tmp) / "rows.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(columns)
                w.writerows(rows)
            src._load(path, ",".join(columns), ",", label)
        return src

    def _load(
        self,
        path: Path,
        header: str,
        delim: str,
        where: str,
        *,
        lazy: bool = False,
        cut: int | None = None,
    ) -> None:
        """Load `path` into the table; `cut`: the file was truncated after that line."""
        names = next(csv.reader([header], delimiter=delim))
        cols: dict[str, str] = {}
        seen: set[str] = set()
        for i, raw in enumerate(names):
            canon = canonical_column(raw, _KNOWN)
            if canon is None or canon in seen:
                canon = f"x{i}_{normalise_header(raw)[:20]}"
            seen.add(canon)
            cols[canon] = "VARCHAR"
        cm = ColumnMap.detect(cols, where=where)
        time_text = self._times_are_text(path, list(cols), delim, cm)
        for c in cols:
            if c in NUMERIC and not (c in ("starttime", "stoptime") and time_text):
                cols[c] = "BIGINT"
        keep = [c for c in cols if c in KEEP]
        full = list(keep)
        if lazy:
            keep = [c for c in keep if c not in LOOKUP_ONLY]
        select = []
        for c in full:
            if c in ("starttime", "stoptime") and time_text:
                select.append(f"CAST(epoch_ms(TRY_CAST({c} AS TIMESTAMP)) AS BIGINT) AS {c}")
            else:
                select.append(c)
        spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols.items()) + "}"
        sep = {"\t": "\\t"}.get(delim, delim)
        reader = (
            f"read_csv(?, header = true, "
            f"columns = {spec}, delim = '{sep}', quote = '\"', escape = '\"', "
            f"ignore_errors = true, store_rejects = true, auto_detect = false, "
            f"null_padding = false, parallel = true)"
        )
        table_select = [x for c, x in zip(full, select, strict=True) if c in keep]
        create = f"CREATE TABLE {TABLE} AS SELECT {', '.join(table_select)} FROM {reader}"
        create_full = f"CREATE TABLE {TABLE} AS SELECT {', '.join(select)} FROM {reader}"
        if lazy:
            view_reader = reader.replace("?", "'" + str(path).replace("'", "''") + "'", 1)
            view_reader = view_reader.replace("store_rejects = true", "store_rejects = false")
            self._lookup_sql = (
                f"CREATE VIEW {LOOKUP_VIEW} AS SELECT {', '.join(select)} FROM {view_reader}"
            )
            self._lookup_cm = ColumnMap.detect(full, where=where)
        try:
            self.con.execute(create, [str(path)])
            bad = _rejects(self.con)
        except duckdb.Error:
            self.con.execute(f"DROP TABLE IF EXISTS {TABLE}")
            if lazy:
                # the lookup cannot read this file again: the table keeps every column
                keep, create = full, create_full
                self._lookup_sql = self._lookup_cm = None
            with tempfile.TemporaryDirectory(prefix="dropwizard-") as tmp:
                clean, bad, cut_here = _clean_copy(path, list(cols), delim, Path(tmp))
                cut = cut if cut_here is None else cut_here
                try:
                    self.con.execute(create, [str(clean)])
                except duckdb.Error as exc:
                    raise InputError(
                        f"{where}: cannot parse the CSV: {str(exc).splitlines()[0]}"
                    ) from None
        self.cm = ColumnMap.detect(keep, where=where)
        lines = sorted(bad)
        self.bad_count = len(lines)
        self.bad_lines = [(n, bad[n]) for n in lines[:MAX_REPORTED_BAD_LINES]]
        n, lo, hi = self.con.execute(
            f"SELECT COUNT(*), MIN(stoptime), MAX(stoptime) FROM {TABLE}"
        ).fetchone()
        self.rows, self.min_stop, self.max_stop = int(n), lo, hi
        if not self.rows and self.bad_count:
            first_line, why = self.bad_lines[0]
            raise InputError(
                f"{where}: line {first_line}: {why}; none of the {self.bad_count} data row(s) "
                "could be read (export the CDRs again as CSV with the VOS3000 header row)"
            )
        if not self.rows and cut is not None:
            raise InputError(
                f"{where}: the compressed file is truncated before its first whole row "
                f"(after line {max(cut, 1)}): copy the export again"
            )
        if self.bad_count:
            first = ", ".join(
                str(n) + (f" ({why})" if "runs on" in why else "") for n, why in self.bad_lines
            )
            more = "" if self.bad_count <= MAX_REPORTED_BAD_LINES else ", ..."
            self.notes.append(
                f"{where}: skipped {self.bad_count} malformed row(s) at line(s) {first}{more}"
            )
        if cut is not None:
            self.notes.append(_cut_note(where, cut))
        important = (
            "caller_gw",
            "callee_gw",
            "enddirection",
            "reason",
            "rtpforward",
            "flownofirst",
        )
        missing = [LOGICAL[m][0] for m in self.cm.missing() if m in important]
        if missing:
            self.notes.append(
                f"{where}: no column for {', '.join(missing)}; analyses that need it are skipped"
            )

    @staticmethod
    def _times_are_text(path: Path, names: list[str], delim: str, cm: ColumnMap) -> bool:
        """True when the export writes stoptime as a date-time instead of epoch milliseconds."""
        col = cm.physical["stoptime"]
        idx = names.index(col) if col in names else -1
        with _open_bytes(path) as raw:
            fh = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            rd = csv.reader(fh, delimiter=delim)
            try:
                next(rd, None)
                for row in rd:
                    if len(row) > idx >= 0 and row[idx].strip():
                        return not row[idx].strip().lstrip("-").isdigit()
            except (csv.Error, *CUT_SHORT):
                pass
        return False

    # CdrSource ------------------------------------------------------------------------------
    def describe(self) -> str:
        return self.label if self.kind != "demo" else "demo"

    def columns(self, table: str = TABLE) -> ColumnMap:
        assert self.cm is not None
        if table == LOOKUP_VIEW and self._lookup_cm is not None:
            return self._lookup_cm
        return self.cm

    def lookup_plan(self, since: datetime | None, until: datetime | None) -> list[TablePlan]:
        """The single-call lookup reads the file itself when the table left the numbers out."""
        if self._lookup_sql is None:
            return self.plan(since, until)
        if not self._lookup_ready:
            self.con.execute(self._lookup_sql)
            self._lookup_ready = True
        return [TablePlan(LOOKUP_VIEW)]

    def plan(self, since: datetime | None, until: datetime | None) -> list[TablePlan]:
        return [TablePlan(TABLE)]

    def default_window(self) -> tuple[datetime | None, datetime | None]:
        if self.min_stop is None or self.max_stop is None:
            return None, None
        return (
            datetime.fromtimestamp(self.min_stop / 1000, timezone.utc),
            datetime.fromtimestamp(self.max_stop / 1000 + 1, timezone.utc),
        )

    def execute(self, stmt: Stmt) -> list[tuple[Any, ...]]:
        guard(stmt.sql)
        timer = threading.Timer(self.max_seconds, self._expire)
        self._expired = False
        self._cancelled = False
        t0 = time.perf_counter()
        timer.start()
        try:
            with self._lock:
                rows = self.con.execute(to_qmark(stmt.sql), stmt.params).fetchall()
        except duckdb.InterruptException:
            if self._expired:
                raise QueryTimeout(
                    f"{stmt.label or 'query'} cut after {self.max_seconds:g} s "
                    "(raise --max-seconds or narrow --since/--until)"
                ) from None
            raise QueryCancelled(f"{stmt.label or 'query'} cancelled") from None
        finally:
            timer.cancel()
        self.stats.statements += 1
        self.stats.rows_received += len(rows)
        self.stats.seconds += time.perf_counter() - t0
        self.stats.log.append(f"{stmt.label}: {len(rows)} rows")
        return rows

    def _expire(self) -> None:
        self._expired = True
        self.con.interrupt()

    def cancel(self) -> None:
        self._cancelled = True
        self.con.interrupt()

    def close(self) -> None:
        try:
            self.con.interrupt()
            self.con.close()
        except duckdb.Error:
            pass
