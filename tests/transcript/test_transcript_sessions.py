"""Session files: where they go, how they are named, listing and finding the one to resume."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dropwizard.errors import InputError
from dropwizard.transcript.log import TranscriptLog
from dropwizard.transcript.sessions import (
    latest_unfinished,
    list_sessions,
    new_session_path,
    resolve_transcript,
    sessions_dir,
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DROPWIZARD_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def clock_from(start: datetime):  # type: ignore[no-untyped-def]
    state = {"t": start}

    def tick() -> datetime:
        state["t"] += timedelta(seconds=1)
        return state["t"]

    return tick


def write_session(
    path: Path, start: datetime, *, finished: bool, last: tuple[str, dict] | None = None
) -> None:
    with TranscriptLog.create(path, clock=clock_from(start)) as log:
        log.append(
            "session_started",
            {
                "session_id": path.stem,
                "flow": "call-drop",
                "source": "demo",
                "mode": "diagnose",
            },
        )
        log.append("node_entered", {"node": "start", "title": "Start"})
        log.append("node_entered", {"node": "step1", "title": "Step 1"})
        if last:
            log.append(*last)
        if finished:
            log.append("end", {"node": "end", "outcome": "diagnosed"})


def test_sessions_dir_is_under_the_data_dir(data_dir: Path) -> None:
    assert sessions_dir() == data_dir / "sessions"


def test_new_session_path_names_sort_by_time_and_differ(data_dir: Path) -> None:
    paths = {new_session_path() for _ in range(50)}
    assert len(paths) == 50
    for p in paths:
        assert p.parent == data_dir / "sessions"
        assert re.fullmatch(r"\d{8}T\d{6}Z-[a-z]{6}\.jsonl", p.name)
        assert not p.exists()
    assert new_session_path("my-session_1").name == "my-session_1.jsonl"


@pytest.mark.parametrize("bad", ["../escape", "a/b", "", ".hidden", "x" * 200, "sp ace"])
def test_new_session_path_refuses_unsafe_ids(data_dir: Path, bad: str) -> None:
    with pytest.raises(InputError, match="session id"):
        new_session_path(bad)


def test_list_sessions_reads_first_and_last_events(data_dir: Path) -> None:
    d = data_dir / "sessions"
    t0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    write_session(d / "a.jsonl", t0, finished=True)
    write_session(d / "b.jsonl", t0 + timedelta(hours=1), finished=False)
    write_session(
        d / "c.jsonl",
        t0 + timedelta(hours=2),
        finished=False,
        last=("back", {"from": "step1", "to": "start"}),
    )
    (d / "junk.jsonl").write_text("not json\n")
    (d / "empty.jsonl").touch()
    (d / "notes.txt").write_text("ignored")

    infos = list_sessions()
    assert [i.session_id for i in infos] == ["c", "b", "a"]
    a = infos[2]
    assert a.finished and a.flow == "call-drop" and a.source == "demo" and a.mode == "diagnose"
    assert a.started == "2026-11-28T10:00:01.000Z" and a.last_ts == "2026-11-28T10:00:04.000Z"
    assert a.last_node == "end" and a.path == d / "a.jsonl"
    assert infos[1].last_node == "step1" and not infos[1].finished
    assert infos[0].last_node == "start"
    assert latest_unfinished() == infos[0]


def test_latest_unfinished_skips_finished_and_handles_torn_tails(data_dir: Path) -> None:
    d = data_dir / "sessions"
    t0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    write_session(d / "old.jsonl", t0, finished=False)
    write_session(d / "new.jsonl", t0 + timedelta(hours=1), finished=True)
    assert latest_unfinished().session_id == "old"  # type: ignore[union-attr]
    with (d / "old.jsonl").open("ab") as fh:
        fh.write(b'{"seq": 4, "ts": "2026-11-28T10:0')
    info = latest_unfinished()
    assert info is not None and info.last_node == "step1" and info.last_ts.endswith("03.000Z")


def test_a_large_last_event_is_read_whole(data_dir: Path) -> None:
    d = data_dir / "sessions"
    t0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    big = {"node": "step1", "evidence": {"name": "cdr.causes", "raw": "x" * 300_000}}
    write_session(d / "big.jsonl", t0, finished=False, last=("evidence", big))
    (info,) = list_sessions()
    assert info.last_node == "step1" and info.last_ts == "2026-11-28T10:00:04.000Z"


def test_no_sessions_dir_means_no_sessions(data_dir: Path) -> None:
    assert list_sessions() == [] and latest_unfinished() is None


def test_resolve_transcript_by_path_or_session_id(data_dir: Path, tmp_path: Path) -> None:
    d = data_dir / "sessions"
    write_session(d / "20261128T100000Z-abcdef.jsonl", datetime.now(timezone.utc), finished=True)
    assert resolve_transcript("20261128T100000Z-abcdef") == d / "20261128T100000Z-abcdef.jsonl"
    other = tmp_path / "elsewhere.jsonl"
    assert resolve_transcript(other) == other
    assert resolve_transcript("unknown-id") == Path("unknown-id")
