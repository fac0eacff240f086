"""One interface through which check nodes get evidence: CDR queries, probes, captures.

A gatherer is a named callable `(ctx, params) -> Evidence`. Flow check nodes list
gatherer names; the engine calls them through a `Registry`. Each evidence family
(`dropwizard.cdr.gatherers`, `dropwizard.probes.gatherers`,
`dropwizard.capture.gatherers`) exposes `register(registry)`.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dropwizard.evidence import Evidence, Status, utc_now_iso
from dropwizard.scope import Scope


@dataclass
class GatherContext:
    """Everything a gatherer may use. Built once per session by the CLI or the TUI."""

    scope: Scope = field(default_factory=Scope)
    source: Any = None
    """An opened CDR source (`dropwizard.cdr`), or None when the session has none."""
    source_spec: str | None = None
    host: Any = None
    """A probe host (`dropwizard.probes.host`), or None for the local host."""
    capture_path: str | None = None
    config: Any = None
    """The loaded `dropwizard.config.Config`."""
    flow: Any = None
    """The flow being walked, so detectors can quote its fixes."""
    cancel: threading.Event = field(default_factory=threading.Event)
    params: dict[str, Any] = field(default_factory=dict)
    """Session-wide parameters (e.g. `target`, `endpoint`, `interface`)."""


Gatherer = Callable[[GatherContext, Mapping[str, Any]], Evidence]

FAMILIES: tuple[str, ...] = (
    "dropwizard.cdr.gatherers",
    "dropwizard.probes.gatherers",
    "dropwizard.capture.gatherers",
)


class Registry:
    """Named gatherers."""

    def __init__(self) -> None:
        self._gatherers: dict[str, Gatherer] = {}
        self._docs: dict[str, str] = {}

    def add(self, name: str, fn: Gatherer, doc: str = "") -> None:
        self._gatherers[name] = fn
        first = (fn.__doc__ or "").strip().splitlines()
        self._docs[name] = doc or (first[0] if first else "")

    def __contains__(self, name: str) -> bool:
        return name in self._gatherers

    def names(self) -> list[str]:
        return sorted(self._gatherers)

    def doc(self, name: str) -> str:
        return self._docs.get(name, "")

    def run(
        self, name: str, ctx: GatherContext, params: Mapping[str, Any] | None = None
    ) -> Evidence:
        """Run one gatherer; an unknown name or an exception becomes error evidence, never a crash."""
        params = params or {}
        started = utc_now_iso()
        t0 = time.perf_counter()
        fn = self._gatherers.get(name)
        if fn is None:
            return Evidence(
                name=name,
                kind="internal",
                asked=name,
                status=Status.ERROR,
                summary=f"no gatherer named {name!r} is installed",
                started_at=started,
            )
        if ctx.cancel.is_set():
            return Evidence(
                name=name,
                kind="internal",
                asked=name,
                status=Status.SKIPPED,
                summary="cancelled before it started",
                started_at=started,
            )
        try:
            ev = fn(ctx, params)
        except Exception as exc:  # a gatherer bug must not end the session
            ev = Evidence(
                name=name,
                kind="internal",
                asked=name,
                status=Status.ERROR,
                summary=f"{type(exc).__name__}: {exc}",
                started_at=started,
            )
        if not ev.duration_ms:
            ev.duration_ms = round((time.perf_counter() - t0) * 1000, 3)
        return ev


def default_registry(families: Iterable[str] = FAMILIES) -> Registry:
    """A registry with every installed evidence family registered."""
    reg = Registry()
    for mod_name in families:
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as exc:
            if exc.name != mod_name:
                raise
            continue
        mod.register(reg)
    return reg
