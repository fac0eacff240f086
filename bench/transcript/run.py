"""Measure `list_sessions` against reading every transcript whole (not a test; prints figures).

.venv/bin/python bench/transcript/run.py [SESSIONS]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from dropwizard.transcript.log import read_events
from dropwizard.transcript.sessions import list_sessions


def line(seq: int, kind: str, fields: dict) -> str:
    ts = f"2026-11-28T10:{seq % 60:02d}:00.000Z"
    return json.dumps({"seq": seq, "ts": ts, "type": kind, **fields}) + "\n"


def build(directory: Path, count: int) -> int:
    """`count` sessions of 60 events, one 200 kB evidence each, every other one finished."""
    for i in range(count):
        with (directory / f"s{i:04d}.jsonl").open("w") as fh:
            fh.write(line(1, "session_started", {"session_id": f"s{i}", "flow": "call-drop"}))
            for s in range(2, 60):
                raw = "x" * (200_000 if s == 30 else 2000)
                fh.write(line(s, "evidence", {"node": "step1", "evidence": {"raw": raw}}))
            if i % 2:
                fh.write(line(60, "end", {"node": "end", "outcome": "diagnosed"}))
    return sum(p.stat().st_size for p in directory.iterdir())


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        size = build(d, count)
        t0 = time.perf_counter()
        infos = list_sessions(d)
        listed = time.perf_counter() - t0
        t0 = time.perf_counter()
        for p in d.iterdir():
            read_events(p)
        whole = time.perf_counter() - t0
    print(f"{len(infos)} sessions, {size / 1e6:.0f} MB")
    print(f"list_sessions (first + last line): {listed * 1000:.0f} ms")
    print(f"read_events of every file (baseline): {whole * 1000:.0f} ms")
    print(f"ratio: {whole / listed:.1f}x faster")


if __name__ == "__main__":
    main()
