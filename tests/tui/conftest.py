"""TUI test fixtures: a clean environment (no colour/theme leaks, data in tmp), the app factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

LEAKY = (
    "NO_COLOR",
    "TEXTUAL_THEME",
    "COLORTERM",
    "TEXTUAL_ANIMATIONS",
    "TEXTUAL_COLOR_SYSTEM",
    "TEXTUAL_FPS",
    "TEXTUAL_DRIVER",
    "TEXTUAL_PRESS",
    "TEXTUAL_SCREENSHOT",
    "DROPWIZARD_FLOWS_PATH",
    "DROPWIZARD_GATHERERS",
    "DROPWIZARD_MYSQL_PASSWORD",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Clear what leaks into rendering; sessions and exports go to a fresh data dir."""
    for name in LEAKY:
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("DROPWIZARD_DATA_DIR", str(data))
    monkeypatch.setenv("DROPWIZARD_CONFIG", str(tmp_path / "config.toml"))
    yield data
