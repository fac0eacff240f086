"""Captures read from a pipe (tcpdump -w - | dropwizard capture /dev/stdin)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dropwizard.capture import analyse_file

from .test_shared_media import TALK, overlapping, write


def feed(data: bytes) -> str:
    """A pipe's read end as a path; a thread writes `data` into it in small pieces."""
    r, w = os.pipe()

    def writer() -> None:
        with os.fdopen(w, "wb", buffering=0) as f:
            for i in range(0, len(data), 3000):
                f.write(data[i : i + 3000])

    threading.Thread(target=writer, daemon=True).start()
    return f"/dev/fd/{r}"


@pytest.mark.parametrize("compress", [False, True])
def test_capture_from_a_pipe(tmp_path: Path, compress: bool) -> None:
    data = Path(write(tmp_path, overlapping(2, start_every=1.0))).read_bytes()
    path = feed(gzip.compress(data) if compress else data)
    try:
        r = analyse_file(path)
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
    assert len(r.calls) == 2
    assert sorted(s["packets"] for s in r.streams) == [TALK] * 4
    assert r.warnings == []


def test_cli_reads_dev_stdin(tmp_path: Path) -> None:
    pcap = write(tmp_path, overlapping(1, start_every=1.0))
    cat = subprocess.Popen(["cat", pcap], stdout=subprocess.PIPE)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dropwizard", "capture", "/dev/stdin", "--format", "json"],
            stdin=cat.stdout,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        assert cat.stdout is not None
        cat.stdout.close()
        cat.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["summary"]["calls"] == 1 and out["summary"]["streams"] == 2
