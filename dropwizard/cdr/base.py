"""What every CDR source offers: tables covering a window, guarded statements, cancel, close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dropwizard.cdr.schema import ColumnMap
from dropwizard.cdr.sql import Stmt
from dropwizard.errors import DropwizardError


class QueryTimeout(DropwizardError):
    """A statement ran past its limit and was cut on the server (exit 2)."""


class QueryCancelled(DropwizardError):
    """A statement was cancelled by the operator."""


class SourceError(DropwizardError):
    """The source answered, but not as a VOS3000 CDR store (no tables, wrong database)."""


@dataclass
class TablePlan:
    """One table to read for a window, and the tables whose flownos it must skip (dedup)."""

    table: str
    exclude: tuple[str, ...] = ()


@dataclass
class SourceStats:
    """What the source did, for the `raw` of evidence and for benchmarks."""

    statements: int = 0
    rows_received: int = 0
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)


class CdrSource:
    """A readable set of VOS3000 CDRs. Subclasses: `DuckSource` (csv, demo), `MysqlSource`."""

    kind: str = "none"
    max_seconds: float = 30.0
    dialect: str = "duckdb"
    notes: list[str]

    def __init__(self) -> None:
        self.notes = []
        self.stats = SourceStats()

    def describe(self) -> str:
        raise NotImplementedError

    def columns(self, table: str) -> ColumnMap:
        raise NotImplementedError

    def plan(self, since: datetime | None, until: datetime | None) -> list[TablePlan]:
        raise NotImplementedError

    def lookup_plan(self, since: datetime | None, until: datetime | None) -> list[TablePlan]:
        """Tables for the single-call lookup (the analysis tables unless a source says otherwise)."""
        return self.plan(since, until)

    def execute(self, stmt: Stmt) -> list[tuple[Any, ...]]:
        """Run one guarded statement under the time limit; rows as tuples."""
        raise NotImplementedError

    def execute_many(self, stmts: list[Stmt]) -> list[list[tuple[Any, ...]]]:
        """Run several statements; results in the order given (one after the other here)."""
        return [self.execute(stmt) for stmt in stmts]

    def default_window(self) -> tuple[datetime | None, datetime | None]:
        """The window used when the operator names none."""
        return None, None

    def cancel(self) -> None:
        """Kill the running statement, if any (safe from another thread)."""

    def close(self) -> None:
        """Release connections; kills a running statement first."""

    def __enter__(self) -> CdrSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
