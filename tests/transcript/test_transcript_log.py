"""The append-only event log: format, permissions, fsync, torn lines, secrets, resume."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

import pytest

from dropwizard.errors import InputError
from dropwizard.transcript.log import TranscriptLog, read_events

TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_create_makes_private_dirs_and_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "s.jsonl"
    with TranscriptLog.create(path) as log:
        log.append("note", {"node": "start", "text": "hi"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_create_refuses_a_non_empty_file_but_takes_an_empty_one(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"seq": 1}\n')
    with pytest.raises(InputError, match=r"s\.jsonl: already holds a transcript"):
        TranscriptLog.create(path)
    assert path.read_text() == '{"seq": 1}\n'
    empty = tmp_path / "empty.jsonl"
    empty.touch(mode=0o644)
    TranscriptLog.create(empty).close()
    assert stat.S_IMODE(empty.stat().st_mode) == 0o600


def test_append_adds_seq_and_utc_ms_ts_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = TranscriptLog.create(path)
    first = log.append("session_started", {"session_id": "x", "flow": "call-drop"})
    second = log.append(
        "note", {"node": "step1", "text": "Anrufer hört Stille, 来电无声\nline two"}
    )
    log.close()
    assert first["seq"] == 1 and second["seq"] == 2
    assert list(first)[:3] == ["seq", "ts", "type"]
    assert TS.match(first["ts"]) and TS.match(second["ts"])
    lines = lines_of(path)
    assert len(lines) == 2
    assert "来电无声" in lines[1]  # ensure_ascii=False: text stays readable
    assert [json.loads(x) for x in lines] == [first, second]


def test_every_append_is_fsynced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = TranscriptLog.create(tmp_path / "s.jsonl")
    real = os.fsync
    calls: list[int] = []

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    for i in range(5):
        log.append("note", {"node": "n", "text": str(i)})
        assert len(calls) == i + 1
    log.close()


def test_torn_last_line_is_dropped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with TranscriptLog.create(path) as log:
        for i in range(3):
            log.append("note", {"node": "n", "text": f"event {i}"})
    full = json.dumps(
        {"seq": 4, "ts": "2026-11-28T14:00:00.000Z", "type": "note", "text": "é"},
        ensure_ascii=False,
    )
    torn = full.encode("utf-8")[: full.encode("utf-8").index("é".encode()) + 1]  # mid-character
    with path.open("ab") as fh:
        fh.write(torn)
    events, warnings = read_events(path)
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:4: torn last line dropped")


def test_malformed_line_before_the_end_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with TranscriptLog.create(path) as log:
        log.append("note", {"node": "n", "text": "a"})
    with path.open("a") as fh:
        fh.write('{"seq": 2, "ts": "x", "type": "note"\n')
        fh.write('{"seq": 3, "ts": "x", "type": "note"}\n')
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}:2: not a transcript event"):
        read_events(path)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("[1, 2]", "not a JSON object"),
        ('{"ts": "x", "type": "note"}', "seq"),
        ('{"seq": 2, "type": "note"}', "ts"),
        ('{"seq": 2, "ts": "x"}', "type"),
    ],
)
def test_lines_that_are_not_events_are_rejected(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"seq": 1, "ts": "x", "type": "note"}\n' + line + "\n")
    with pytest.raises(InputError, match=rf":2: .*{why}"):
        read_events(path)


def test_seq_must_increase(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        "".join(
            json.dumps({"seq": s, "ts": "2026-11-28T14:00:00.000Z", "type": "note"}) + "\n"
            for s in (1, 2, 2)
        )
    )
    with pytest.raises(InputError, match=r":3: seq 2 after 2"):
        read_events(path)


def test_a_gap_in_seq_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        "".join(
            json.dumps({"seq": s, "ts": "2026-11-28T14:00:00.000Z", "type": "note"}) + "\n"
            for s in (1, 2, 5)
        )
    )
    events, warnings = read_events(path)
    assert len(events) == 3
    assert warnings == [f"{path}:3: seq jumps from 2 to 5 (2 events missing)"]


def test_missing_and_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such transcript"):
        read_events(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        read_events(tmp_path)


def test_open_append_continues_seq_and_cuts_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with TranscriptLog.create(path) as log:
        log.append("session_started", {"session_id": "s"})
        log.append("node_entered", {"node": "step1", "title": "Step 1"})
    with path.open("ab") as fh:
        fh.write(b'{"seq": 3, "ts": "2026-11-28T14:0')
    log = TranscriptLog.open_append(path)
    assert log.seq == 2
    assert log.warnings and ":3: torn last line dropped" in log.warnings[0]
    assert log.append("note", {"node": "step1", "text": "after the crash"})["seq"] == 3
    log.close()
    events, warnings = read_events(path)
    assert warnings == []
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert events[-1]["text"] == "after the crash"


def test_open_append_adds_a_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"seq": 1, "ts": "2026-11-28T14:00:00.000Z", "type": "session_started"}')
    with TranscriptLog.open_append(path) as log:
        log.append("note", {"text": "x"})
    events, warnings = read_events(path)
    assert [e["seq"] for e in events] == [1, 2] and warnings == []


def test_secrets_are_scrubbed_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with TranscriptLog.create(path) as log:
        event = log.append(
            "session_started",
            {
                "source": "mysql://report:S3cr%40t@10.0.0.5:3306/vos3000",
                "password": "hunter2",
                "nested": {
                    "Passwd": "hunter3",
                    "api_token": "tok-123",
                    "client-secret": "sss",
                    "list": [{"secret": "deep"}],
                    "dsn": "mysql+pymysql://root:rootpw@127.0.0.1/vos3000db?charset=utf8",
                    "log": "connect user=report password=hunter4 host=10.0.0.5",
                    "tokenizer": "token bucket",
                },
            },
        )
    text = path.read_text()
    for secret in ("S3cr", "hunter", "tok-123", "sss", "deep", "rootpw"):
        assert secret not in text
    assert event["source"] == "mysql://report@10.0.0.5:3306/vos3000"
    assert event["password"] == "***"
    nested = event["nested"]
    assert nested["Passwd"] == nested["api_token"] == nested["client-secret"] == "***"
    assert nested["list"] == [{"secret": "***"}]
    assert nested["dsn"] == "mysql+pymysql://root@127.0.0.1/vos3000db?charset=utf8"
    assert nested["log"] == "connect user=report password=*** host=10.0.0.5"
    assert nested["tokenizer"] == "token bucket"
    assert read_events(path)[0][0] == event


def test_values_json_cannot_hold_are_made_plain(tmp_path: Path) -> None:
    class Colour(Enum):
        RED = "red"

    with TranscriptLog.create(tmp_path / "s.jsonl") as log:
        event = log.append(
            "note",
            {
                "when": datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc),
                "colour": Colour.RED,
                "path": tmp_path / "x",
                "ratio": float("nan"),
                "tags": {"b", "a"},
            },
        )
    assert event["when"] == "2026-11-28T14:05:00.000Z"
    assert event["colour"] == "red" and event["path"] == str(tmp_path / "x")
    assert event["ratio"] is None
    assert event["tags"] == ["a", "b"]


def test_reserved_fields_and_closed_logs_are_refused(tmp_path: Path) -> None:
    log = TranscriptLog.create(tmp_path / "s.jsonl")
    with pytest.raises(ValueError, match="seq"):
        log.append("note", {"seq": 9})
    log.close()
    log.close()
    with pytest.raises(ValueError, match="closed"):
        log.append("note", {})


def test_threads_appending_together_keep_one_line_per_event(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    log = TranscriptLog.create(path)

    def work(n: int) -> None:
        for i in range(25):
            log.append("note", {"node": f"t{n}", "text": "x" * (i * 50)})

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    events, warnings = read_events(path)
    assert [e["seq"] for e in events] == list(range(1, 101)) and warnings == []


WRITER = textwrap.dedent(
    """
    import sys
    from dropwizard.transcript.log import TranscriptLog
    log = TranscriptLog.create(sys.argv[1])
    i = 0
    while True:
        i += 1
        log.append("note", {"node": "n", "text": "x" * (i % 5000)})
    """
)


def test_sigkill_mid_stream_leaves_a_readable_transcript(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if path.exists() and path.stat().st_size > 60_000:
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    events, warnings = read_events(path)
    assert len(events) > 10
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all("jumps" not in w for w in warnings)
    with TranscriptLog.open_append(path) as log:
        assert log.append("note", {"text": "resumed"})["seq"] == len(events) + 1
    again, warnings = read_events(path)
    assert len(again) == len(events) + 1 and warnings == []


def test_unicode_line_separators_stay_inside_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    text = "a\u2028b\u2029c\x85d\x0be\x1cf"
    with TranscriptLog.create(path) as log:
        log.append("note", {"text": text})
        log.append("note", {"text": "next"})
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2
    events, _ = read_events(path)
    assert events[0]["text"] == text
