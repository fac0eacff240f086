"""Fixtures of the transcript tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .sample_session import write_sample_transcript

SESSION_FILE = "20261128T141000Z-kqzmwp.jsonl"


@pytest.fixture(scope="session")
def sample_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample diagnosis written once through TranscriptLog (fsync per event is slow)."""
    return write_sample_transcript(tmp_path_factory.mktemp("master") / SESSION_FILE)


@pytest.fixture
def sample_transcript(sample_master: Path, tmp_path: Path) -> Path:
    """A private copy of the sample diagnosis, as a session file under tmp_path/sessions."""
    target = tmp_path / "sessions" / SESSION_FILE
    target.parent.mkdir(mode=0o700)
    shutil.copyfile(sample_master, target)
    target.chmod(0o600)
    return target
