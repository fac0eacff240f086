"""Atomic writes: the old content or the new, never half, never a leftover temp file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dropwizard.transcript.atomic import write_atomic


def test_writes_utf8_with_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "ticket.txt"
    assert write_atomic(target, "Anrufer → 来电\n") == target
    assert target.read_bytes() == "Anrufer → 来电\n".encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_replaces_an_existing_file_and_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "ticket.txt"
    target.write_text("old")
    target.chmod(0o644)
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["ticket.txt"]


def test_a_failure_mid_write_leaves_the_old_file_intact(tmp_path: Path) -> None:
    target = tmp_path / "ticket.txt"
    target.write_text("old content\n")
    # 200 kB are written out before the lone surrogate fails to encode.
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "x" * 200_000 + "\ud800")
    assert target.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["ticket.txt"]


def test_a_failing_fsync_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ticket.txt"
    target.write_text("old content\n")

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="Input/output"):
        write_atomic(target, "new content\n")
    monkeypatch.undo()
    assert target.read_text() == "old content\n"
    assert os.listdir(tmp_path) == ["ticket.txt"]


def test_fsyncs_file_and_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fsync
    calls: list[int] = []

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    write_atomic(tmp_path / "t.txt", "x")
    assert len(calls) == 2


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "no" / "t.txt", "x")
