"""Snapshots of every screen on the demo data (80x24), a few at 120x40, in ansi-dark and NO_COLOR.

The scenes are the ones scripts/screenshots.py renders. After a deliberate UI change:
`.venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update`, read the report, commit both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from dropwizard.tui.scenes import BY_NAME, build, frozen

SNAPSHOTS = (
    "start",
    "start-resume",
    "wizard-step1",
    "wizard-running",
    "wizard-histogram",
    "wizard-providers",
    "evidence",
    "transcript",
    "help",
    "diagnosis",
    "wizard-wide",
    "diagnosis-wide",
    "wizard-ansi",
    "wizard-nocolor",
)


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_screen(name: str, snap_compare: Callable[..., bool]) -> None:
    scene = BY_NAME[name]
    release = threading.Event()
    with frozen(scene):
        app = build(scene, release)
        try:
            assert snap_compare(app, terminal_size=scene.size, run_before=scene.drive)
        finally:
            release.set()
