"""Run `tshark -q -z rtp,streams` and read its table, to compare stream figures."""

from __future__ import annotations

import subprocess
from typing import Any


def rtp_streams(tshark: str, path: str, *extra: str) -> dict[tuple[str, str, int], dict[str, Any]]:
    """(src, dst, ssrc) -> packets, lost, max_delta_ms, mean_jitter_ms, max_jitter_ms."""
    out = subprocess.run(
        [
            tshark,
            "-n",
            "-q",
            "-o",
            "rtp.heuristic_rtp:TRUE",
            *extra,
            "-z",
            "rtp,streams",
            "-r",
            path,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 17 or not parts[6].startswith("0x"):
            continue
        src, dst = f"{parts[2]}:{parts[3]}", f"{parts[4]}:{parts[5]}"
        rows[(src, dst, int(parts[6], 16))] = {
            "packets": int(parts[8]),
            "lost": int(parts[9]),
            "max_delta_ms": float(parts[13]),
            "mean_jitter_ms": float(parts[15]),
            "max_jitter_ms": float(parts[16]),
        }
    return rows


def compare(ours: list[dict[str, Any]], theirs: dict[tuple[str, str, int], dict[str, Any]]) -> int:
    """Assert every tshark stream matches ours; returns how many were compared."""
    by_key = {(s["src"], s["dst"], int(s["ssrc"], 16)): s for s in ours}
    assert set(theirs) <= set(by_key), (sorted(theirs), sorted(by_key))
    for key, t in theirs.items():
        s = by_key[key]
        assert s["packets"] == t["packets"], key
        assert s["lost"] == t["lost"], key
        assert abs(s["max_delta_ms"] - t["max_delta_ms"]) <= 0.01, key
        assert abs(s["jitter_ms"] - t["max_jitter_ms"]) <= max(0.01, 0.02 * t["max_jitter_ms"]), key
        assert abs(s["mean_jitter_ms"] - t["mean_jitter_ms"]) <= max(
            0.01, 0.05 * t["mean_jitter_ms"]
        )
    return len(theirs)
