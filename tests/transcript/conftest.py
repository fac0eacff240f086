"""Fixtures of the transcript tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .sample_session import write_sample_transcript


@pytest.fixture
def sample_transcript(tmp_path: Path) -> Path:
    """The sample diagnosis, as a session file under tmp_path/sessions."""
    return write_sample_transcript(tmp_path / "sessions" / "20261128T141000Z-kqzmwp.jsonl")
