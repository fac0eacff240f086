"""The one record type that flows through CDR queries, probes and capture analysis."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

RAW_CAP = 64 * 1024
"""Raw output kept per evidence record, in characters."""


class Status(str, Enum):
    """How a piece of evidence came out."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"
    ERROR = "error"


def utc_now_iso() -> str:
    """Current UTC time as ISO 8601 with a trailing Z, millisecond precision."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cap_text(text: str, limit: int = RAW_CAP) -> str:
    """Cut text to `limit` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… [{len(text) - limit} more characters cut]"


@dataclass
class Evidence:
    """What was asked, when, how long it took, how it came out, and what it showed.

    `facts` are flat scalars (or lists of scalars) that flow conditions read as
    `<name>.<fact>`; `data` is structured detail for tables and exports; `raw` is
    the capped raw output (SQL result text, command output).
    """

    name: str
    kind: str
    asked: str
    status: Status
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)
    raw: str = ""
    started_at: str = field(default_factory=utc_now_iso)
    duration_ms: float = 0.0

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        self.raw = cap_text(self.raw)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["status"] = self.status.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def namespaced_facts(self) -> dict[str, Any]:
        """Facts keyed `<name>.<fact>`, as flow conditions see them."""
        return {f"{self.name}.{k}": v for k, v in self.facts.items()}


@contextmanager
def timed() -> Iterator[dict[str, Any]]:
    """Measure a block: yields a dict that gets `started_at` and `duration_ms`."""
    box: dict[str, Any] = {"started_at": utc_now_iso()}
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box["duration_ms"] = round((time.perf_counter() - t0) * 1000, 3)
