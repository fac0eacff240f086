"""Shared pieces of the TUI tests: registries with controlled gatherers, waiting helpers."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from textual import events
from textual.app import App
from textual.pilot import Pilot

from dropwizard.evidence import Evidence, Status
from dropwizard.gather import GatherContext, Registry
from dropwizard.wizard.registry import session_registry


def slow_gatherer(seconds: float, name: str = "cdr.causes") -> Callable[..., Evidence]:
    """A gatherer that takes `seconds` unless ctx.cancel is set (then it says so)."""

    def gather(ctx: GatherContext, params: Mapping[str, Any]) -> Evidence:
        """Slow test gatherer."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if ctx.cancel.is_set():
                return Evidence(name, "test", "sleep", Status.SKIPPED, "cancelled by the operator")
            time.sleep(0.01)
        return Evidence(name, "test", "sleep", Status.OK, "slow check done", {"top_cause": 16})

    return gather


def registry_with(**gatherers: Callable[..., Evidence]) -> Registry:
    """The installed gatherers, with some replaced (names use `__` for `.`)."""
    reg = session_registry()
    for key, fn in gatherers.items():
        reg.add(key.replace("__", "."), fn)
    return reg


async def settle(pilot: Pilot) -> None:
    """Wait for every worker and for the screen to process what they posted."""
    app = pilot.app
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        if not getattr(screen, "gathering", False) and not app.workers._workers:
            return
        await asyncio.sleep(0.01)


async def until(pilot: Pilot, cond: Callable[[], bool], timeout: float = 10.0) -> float:
    """Pause until `cond()` holds; returns the seconds it took (fails after `timeout`)."""
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout:
            raise AssertionError(f"condition not met within {timeout} s")
        await pilot.pause(0.005)
    return time.perf_counter() - t0


def aio(fn: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (no asyncio plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(fn(*args, **kwargs))  # type: ignore[arg-type]

    return wrapper


def send_key(app: App[Any], key: str) -> None:
    """Deliver one key the way the terminal driver does, without waiting for the app to idle."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


def screen_text(app: App[Any]) -> str:
    """The visible text of the current screen (from the SVG export, entities decoded)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")
