"""`dropwizard export`: stdout, --output, session ids, and one-line errors with exit 2."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dropwizard.cli import main
from dropwizard.transcript.export import export_text
from dropwizard.transcript.log import read_events

from .sample_session import CALLER


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["ticket", "markdown", "json"])
def test_prints_the_export_to_stdout(
    sample_transcript: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, out, err = run_cli(["export", str(sample_transcript), "--format", fmt], capsys)
    assert code == 0 and err == ""
    assert out == export_text(read_events(sample_transcript)[0], fmt)


def test_redact_flag(sample_transcript: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["export", str(sample_transcript), "--redact"], capsys)
    assert code == 0 and CALLER not in out and "****8000" in out
    assert out == export_text(read_events(sample_transcript)[0], "ticket", redact=True)


def test_output_file_is_written_atomically_and_its_path_printed(
    sample_transcript: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "ticket.md"
    target.write_text("previous export")
    code, out, _ = run_cli(
        ["export", str(sample_transcript), "--format", "markdown", "--output", str(target)],
        capsys,
    )
    assert code == 0 and out == f"{target}\n"
    assert target.read_text() == export_text(read_events(sample_transcript)[0], "markdown")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sessions", "ticket.md"]


def test_a_session_id_is_found_in_the_data_dir(
    sample_transcript: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROPWIZARD_DATA_DIR", str(sample_transcript.parent.parent))
    code, out, _ = run_cli(["export", "20261128T141000Z-kqzmwp", "--format", "json"], capsys)
    assert code == 0 and '"session_id": "20261128T141000Z-kqzmwp"' in out


def test_missing_transcript_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["export", str(tmp_path / "gone.jsonl")], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"{tmp_path / 'gone.jsonl'}: no such transcript" in err


def test_malformed_transcript_names_file_and_line(
    sample_transcript: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = sample_transcript.read_text().splitlines(keepends=True)
    lines[4] = lines[4][:20] + "\n"
    sample_transcript.write_text("".join(lines))
    code, out, err = run_cli(["export", str(sample_transcript)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"{sample_transcript}:5: not a transcript event" in err


def test_unreadable_and_empty_transcripts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    code, _, err = run_cli(["export", str(empty)], capsys)
    assert code == 2 and "holds no events" in err
    code, _, err = run_cli(["export", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err


def test_unwritable_output_is_one_line_exit_2(
    sample_transcript: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-dir" / "t.txt"
    code, out, err = run_cli(["export", str(sample_transcript), "-o", str(target)], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and str(target) in err


def test_torn_last_line_warns_and_still_exports(
    sample_transcript: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = read_events(sample_transcript)[0]
    with sample_transcript.open("a") as fh:
        fh.write('{"seq": 35, "ts": "2026-11-28T14:1')
    code, out, err = run_cli(["export", str(sample_transcript)], capsys)
    assert code == 0 and out == export_text(events, "ticket")
    assert f"warning: {sample_transcript}:35: torn last line dropped" in err


def test_module_entry_point_runs_without_traceback(sample_transcript: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dropwizard", "export", str(sample_transcript), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"outcome": "diagnosed"' in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "dropwizard", "export", str(sample_transcript) + ".missing"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
