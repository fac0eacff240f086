"""Helpers shared by the test suites: required binaries and services (fail in CI, skip locally)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable

import pytest

MYSQL_HOST = os.environ.get("DROPWIZARD_TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("DROPWIZARD_TEST_MYSQL_PORT", "3306"))
MYSQL_USER = os.environ.get("DROPWIZARD_TEST_MYSQL_USER", "root")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(reason: str) -> None:
    """Skip on a laptop; fail in CI, where every test must run."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def require_binary(name: str) -> str:
    """Path of a binary the test drives for real."""
    path = shutil.which(name)
    if not path:
        need(f"{name} is not installed (apt-get install it, or run ./scripts/test as root)")
    return path  # type: ignore[return-value]


def cancel_while_running(
    work: Callable[[], object], cancel: Callable[[], None], after: float = 1.0
) -> tuple[BaseException | None, float, bool]:
    """Run `work` in a thread, call `cancel` `after` seconds in, and wait up to 15 s.

    Returns what `work` raised (None if nothing), the seconds it all took, and whether the thread
    is still alive."""
    box: dict[str, BaseException] = {}

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            box["exc"] = exc

    t = threading.Thread(target=run)
    t0 = time.monotonic()
    t.start()
    time.sleep(after)
    cancel()
    t.join(15)
    return box.get("exc"), time.monotonic() - t0, t.is_alive()
