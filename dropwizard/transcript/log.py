"""The append-only JSON-lines event log of a session (docs/transcript.md).

Every event is one JSON object on one line, `{"seq": N, "ts": "...Z", "type": "...", ...}`,
written with a single `write`, then fsynced before `append` returns, so a crash loses at most the
event being written. Secrets are scrubbed before anything reaches the disk
(`dropwizard.transcript.redact.scrub`).

A crash mid-write leaves a torn last line: `read_events` drops it with a warning, and
`TranscriptLog.open_append` cuts it off before continuing, so the file stays valid JSON lines.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dropwizard.errors import DropwizardError, InputError
from dropwizard.transcript.redact import scrub

EVENT_TYPES: frozenset[str] = frozenset(
    {
        "session_started",
        "scope",
        "node_entered",
        "evidence",
        "proposal",
        "choice",
        "override",
        "note",
        "back",
        "finding",
        "hint",
        "answers",
        "end",
    }
)
"""The event types of docs/transcript.md. Others are written and read as they are."""

RESERVED = ("seq", "ts", "type")
FILE_MODE = 0o600
DIR_MODE = 0o700

Clock = Callable[[], datetime]

_LINE_BREAKS = (("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\x85", "\\u0085"))
"""Characters json.dumps leaves raw that some readers take as line ends (inside strings only)."""


def format_ts(dt: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a trailing Z: `2026-11-28T14:05:00.123Z`."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def make_dirs(path: Path) -> None:
    """Create the missing directories of `path` (not the existing ones) with mode 0700."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(d, DIR_MODE)


def fsync_dir(path: Path) -> None:
    """Make a directory entry durable (best effort where directories cannot be opened)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass
class _Scan:
    events: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    good_end: int = 0
    """Byte offset just after the last valid event (its newline included when present)."""
    needs_newline: bool = False
    """The last valid event has no newline after it."""


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such transcript (check the path; sessions live in "
            "the data directory's sessions/ folder)"
        ) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a transcript file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read transcript: {exc.strerror}") from None


def parse_line(raw: bytes) -> dict[str, Any]:
    """One event from one line; ValueError says what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    seq = obj.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError("no positive integer `seq`")
    if not isinstance(obj.get("ts"), str):
        raise ValueError("no `ts` string")
    if not isinstance(obj.get("type"), str) or not obj["type"]:
        raise ValueError("no `type` string")
    return obj


def _scan(path: Path) -> _Scan:
    data = _read_bytes(path)
    out = _Scan()
    lines = data.split(b"\n")
    # After a final newline, split() leaves an empty tail; without one, the tail is the last line.
    last_index = len(lines) - 1
    offset = 0
    prev_seq = 0
    for index, raw in enumerate(lines):
        lineno = index + 1
        offset += len(raw) + (1 if index < last_index else 0)
        if not raw.strip():
            continue
        is_tail = index == last_index
        try:
            event = parse_line(raw)
        except ValueError as exc:
            if is_tail:
                out.warnings.append(
                    f"{path}:{lineno}: torn last line dropped ({exc}; the session was cut off "
                    "mid-write)"
                )
                break
            raise InputError(
                f"{path}:{lineno}: not a transcript event: {exc} (fix or delete that line)"
            ) from None
        seq = event["seq"]
        if seq <= prev_seq:
            raise InputError(
                f"{path}:{lineno}: seq {seq} after {prev_seq}: events out of order "
                "(is this two transcripts joined?)"
            )
        if seq != prev_seq + 1:
            missing = seq - prev_seq - 1
            out.warnings.append(
                f"{path}:{lineno}: seq jumps from {prev_seq} to {seq} "
                f"({missing} event{'s' if missing != 1 else ''} missing)"
            )
        prev_seq = seq
        out.events.append(event)
        out.good_end = offset
        out.needs_newline = is_tail
    return out


def read_events(path: str | os.PathLike[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """All events of a transcript, and warnings (`file:line: ...`) about what was dropped.

    A torn last line is dropped with a warning; a malformed line anywhere else, or a `seq` that
    does not increase, is an `InputError` naming `file:line`.
    """
    scan = _scan(Path(path))
    return scan.events, scan.warnings


class TranscriptLog:
    """An open transcript file. Use `create` for a new session, `open_append` to resume one."""

    def __init__(
        self, path: Path, fd: int, seq: int, *, clock: Clock | None = None, size: int = 0
    ) -> None:
        self.path = path
        self.seq = seq
        self.warnings: list[str] = []
        self._fd: int | None = fd
        self._size = size
        self._clock = clock or _utc_now
        self._lock = threading.Lock()

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, clock: Clock | None = None) -> TranscriptLog:
        """Start a new transcript (mode 0600, missing parent directories 0700).

        Refuses to overwrite a file that already holds something.
        """
        p = Path(path)
        try:
            make_dirs(p.parent)
            fd = os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise InputError(f"{p}: cannot create transcript: {exc.strerror}") from None
        if os.fstat(fd).st_size > 0:
            os.close(fd)
            raise InputError(
                f"{p}: already holds a transcript; resume it with `dropwizard resume {p}` "
                "or name another file"
            )
        os.fchmod(fd, FILE_MODE)
        fsync_dir(p.parent)
        return cls(p, fd, 0, clock=clock)

    @classmethod
    def open_append(
        cls, path: str | os.PathLike[str], *, clock: Clock | None = None
    ) -> TranscriptLog:
        """Continue an existing transcript after its last valid event.

        A torn last line is cut off first (reported in `.warnings`).
        """
        p = Path(path)
        scan = _scan(p)
        try:
            fd = os.open(p, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise InputError(f"{p}: cannot open transcript for writing: {exc.strerror}") from None
        try:
            size = os.fstat(fd).st_size
            if size != scan.good_end:
                os.ftruncate(fd, scan.good_end)
                size = scan.good_end
            if scan.needs_newline:
                os.write(fd, b"\n")
                size += 1
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            raise InputError(f"{p}: cannot repair transcript: {exc.strerror}") from None
        seq = scan.events[-1]["seq"] if scan.events else 0
        log = cls(p, fd, seq, clock=clock, size=size)
        log.warnings = scan.warnings
        return log

    @property
    def closed(self) -> bool:
        return self._fd is None

    def append(self, type: str, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Write one event (adds `seq` and `ts`), flush and fsync it; returns the event written."""
        if not isinstance(type, str) or not type:
            raise ValueError("event type must be a non-empty string")
        fields = dict(fields or {})
        clash = [k for k in RESERVED if k in fields]
        if clash:
            raise ValueError(f"event fields may not set {', '.join(clash)}")
        with self._lock:
            if self._fd is None:
                raise ValueError(f"{self.path}: transcript is closed")
            event: dict[str, Any] = {"seq": self.seq + 1, "ts": format_ts(self._clock())}
            event["type"] = type
            event.update(scrub(fields))
            text = json.dumps(event, ensure_ascii=False)
            for ch, esc in _LINE_BREAKS:
                text = text.replace(ch, esc)
            line = (text + "\n").encode("utf-8")
            self._write(line)
            self.seq += 1
        return event

    def _write(self, line: bytes) -> None:
        assert self._fd is not None
        view = memoryview(line)
        try:
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            os.fsync(self._fd)
        except OSError as exc:
            try:  # never leave half an event followed by later ones
                os.ftruncate(self._fd, self._size)
            except OSError:
                pass
            raise DropwizardError(
                f"{self.path}: cannot write transcript: {exc.strerror} (free space or name "
                "another file with --transcript)"
            ) from None
        self._size += len(line)

    def close(self) -> None:
        """Close the file; further appends raise."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> TranscriptLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass
