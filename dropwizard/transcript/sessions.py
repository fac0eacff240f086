"""Where session transcripts live, and finding them again.

Sessions are `<data_dir>/sessions/<session_id>.jsonl`; a session id is a UTC timestamp and a
short random tail, `20261128T140500Z-kqzmwp`, so names sort by start time. Listing reads only the
first line (`session_started`) and the last valid line of each file, so hundreds of sessions list
quickly whatever their size.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from dropwizard.config import data_dir
from dropwizard.errors import InputError
from dropwizard.transcript.log import parse_line

SUFFIX = ".jsonl"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TAIL_ALPHABET = "abcdefghjkmnpqrstuvwxyz"
"""Letters only, so a redacted export never mistakes the tail for part of a phone number."""


@dataclass(frozen=True)
class SessionInfo:
    """What a session list shows, from the first and last events of a transcript."""

    path: Path
    session_id: str
    flow: str | None
    started: str | None
    last_ts: str | None
    finished: bool
    last_node: str | None
    source: str | None
    mode: str | None


def sessions_dir() -> Path:
    """`<data_dir>/sessions` (data_dir from platformdirs or DROPWIZARD_DATA_DIR)."""
    return data_dir() / "sessions"


def new_session_id(now: datetime | None = None) -> str:
    """`YYYYMMDDTHHMMSSZ-xxxxxx`: the UTC start time and six random letters."""
    now = now or datetime.now(timezone.utc)
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    tail = "".join(secrets.choice(_TAIL_ALPHABET) for _ in range(6))
    return f"{stamp}-{tail}"


def new_session_path(session_id: str | None = None) -> Path:
    """The transcript path for a new session (the file is not created here)."""
    if session_id is None:
        while True:
            path = sessions_dir() / f"{new_session_id()}{SUFFIX}"
            if not path.exists():
                return path
    if not _ID.fullmatch(session_id):
        raise InputError(
            f"session id {session_id!r}: use letters, digits, '.', '_' and '-' only "
            "(at most 128, not starting with punctuation)"
        )
    return sessions_dir() / f"{session_id}{SUFFIX}"


def resolve_transcript(name: str | os.PathLike[str]) -> Path:
    """A transcript named by path, or by session id within `sessions_dir()`."""
    path = Path(name).expanduser()
    if path.exists() or os.sep in str(name) or not _ID.fullmatch(str(name)):
        return path
    stem = str(name)[: -len(SUFFIX)] if str(name).endswith(SUFFIX) else str(name)
    candidate = sessions_dir() / f"{stem}{SUFFIX}"
    return candidate if candidate.exists() else path


def _first_event(fh: IO[bytes]) -> dict[str, Any] | None:
    fh.seek(0)
    line = fh.readline()
    if not line.endswith(b"\n"):
        return None
    try:
        return parse_line(line.rstrip(b"\n"))
    except ValueError:
        return None


def _last_event(fh: IO[bytes], size: int) -> dict[str, Any] | None:
    """The last line of the file that parses as an event, reading backwards in blocks."""
    pos = size
    carry = b""
    block = 16 * 1024
    while pos > 0:
        step = min(block, pos)
        pos -= step
        fh.seek(pos)
        lines = (fh.read(step) + carry).split(b"\n")
        complete = lines if pos == 0 else lines[1:]
        for raw in reversed(complete):
            if raw.strip():
                try:
                    return parse_line(raw)
                except ValueError:
                    continue
        carry = lines[0] if pos > 0 else b""
        block = min(block * 2, 4 * 1024 * 1024)
    return None


def _node_of(event: dict[str, Any]) -> str | None:
    node = event.get("to") if event.get("type") == "back" else event.get("node")
    return node if isinstance(node, str) else None


def session_info(path: str | os.PathLike[str]) -> SessionInfo | None:
    """Summary of one transcript, or None when it does not start with `session_started`."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            first = _first_event(fh)
            if first is None or first.get("type") != "session_started":
                return None
            last = _last_event(fh, os.fstat(fh.fileno()).st_size) or first
    except OSError:
        return None

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    return SessionInfo(
        path=p,
        session_id=text(first.get("session_id")) or p.stem,
        flow=text(first.get("flow")),
        started=text(first.get("ts")),
        last_ts=text(last.get("ts")),
        finished=last.get("type") == "end",
        last_node=_node_of(last),
        source=text(first.get("source")),
        mode=text(first.get("mode")),
    )


def list_sessions(directory: str | os.PathLike[str] | None = None) -> list[SessionInfo]:
    """Every readable session in `directory` (default `sessions_dir()`), newest activity first."""
    d = Path(directory) if directory is not None else sessions_dir()
    try:
        paths = [p for p in d.iterdir() if p.name.endswith(SUFFIX) and p.is_file()]
    except OSError:
        return []
    infos = [info for info in map(session_info, paths) if info is not None]
    infos.sort(key=lambda i: (i.last_ts or i.started or "", i.path.name), reverse=True)
    return infos


def latest_unfinished(directory: str | os.PathLike[str] | None = None) -> SessionInfo | None:
    """The unfinished session with the newest activity, or None."""
    for info in list_sessions(directory):
        if not info.finished:
            return info
    return None
