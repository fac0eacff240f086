"""Snapshots of every screen on the demo data (80x24), a few at 120x40, in ansi-dark and NO_COLOR.

The scenes are the ones scripts/screenshots.py renders, with the same factory. Here the gatherers
replay evidence recorded from the demo data (tests/tui/fixtures/record.py) and the flow is a
pinned copy, so a snapshot changes when the UI changes, not when this host's probes or a
gatherer's wording do. After a deliberate UI change:
`.venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update` (without -n), read the report,
commit both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from dropwizard.tui.scenes import BY_NAME, build, frozen

from .fixtures.record import FLOWS, recorded_registry

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
    "training-wrong",
    "training-end",
    "training-glossary",
)


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_screen(name: str, snap_compare: Callable[..., bool]) -> None:
    scene = BY_NAME[name]
    release = threading.Event()
    with frozen(scene, flows_dir=FLOWS):
        app = build(scene, release, registry=recorded_registry())
        try:
            assert snap_compare(app, terminal_size=scene.size, run_before=scene.drive)
        finally:
            release.set()
