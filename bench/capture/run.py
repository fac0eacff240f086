"""Benchmark: `dropwizard capture` against `tshark -q -z rtp,streams` on generated captures.

    .venv/bin/python bench/capture/run.py [--packets 2000000] [--calls 500] [--dir /tmp]

Writes a capture of at least --packets packets (--calls concurrent calls, 20 ms G.711 both ways,
SIP per call), times both tools on it in this run and prints packets/s, MB/s, the ratio
(tshark time / dropwizard time, >= 1.0 means dropwizard is as fast or faster) and the peak RSS of
each process (from wait4). Then runs dropwizard on a half-size and a double-size capture with the
same concurrency to show that its peak RSS stays flat as the file grows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import write_capture

ROOT = Path(__file__).resolve().parents[2]


def measure(cmd: list[str]) -> tuple[float, float, float, str]:
    """Run a command; (wall seconds, CPU seconds, peak RSS MB, stdout)."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, cpu, usage.ru_maxrss / 1024.0, out.read().decode(errors="replace")


def dropwizard_cmd(path: str) -> list[str]:
    return [sys.executable, "-m", "dropwizard", "capture", path, "--format", "json"]


def tshark_streams(text: str) -> tuple[int, int]:
    rows = [ln.split() for ln in text.splitlines()]
    rows = [r for r in rows if len(r) >= 17 and r[6].startswith("0x")]
    return len(rows), sum(int(r[8]) for r in rows)


def row(name: str, packets: int, size: int, wall: float, cpu: float, rss: float) -> str:
    return (
        f"{name:<22} {wall:7.2f} s wall {cpu:7.2f} s CPU {packets / wall / 1000:7.1f} k packets/s "
        f"{size / wall / 1e6:6.1f} MB/s  peak RSS {rss:6.1f} MB"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--packets", type=int, default=2_000_000)
    ap.add_argument("--calls", type=int, default=500, help="concurrent calls")
    ap.add_argument("--dir", default=tempfile.gettempdir())
    ap.add_argument("--keep", action="store_true", help="keep the generated captures")
    ap.add_argument("--no-scaling", action="store_true", help="skip the half and double runs")
    a = ap.parse_args()
    tshark = shutil.which("tshark")
    work = Path(tempfile.mkdtemp(prefix="dwbench", dir=a.dir))
    try:
        main_file = work / "main.pcap"
        t0 = time.perf_counter()
        info = write_capture(str(main_file), a.packets, a.calls)
        size = main_file.stat().st_size
        print(
            f"capture: {info['packets']} packets, {size / 1e6:.0f} MB, {info['calls']} calls "
            f"({a.calls} concurrent), written in {time.perf_counter() - t0:.1f} s"
        )
        dw_wall, dw_cpu, dw_rss, dw_out = measure(dropwizard_cmd(str(main_file)))
        data = json.loads(dw_out)
        dw_streams = sum(len(c["streams"]) for c in data["calls"]) + len(data["orphan_streams"])
        dw_rtp = data["summary"]["rtp_packets"]
        print(row("dropwizard capture", info["packets"], size, dw_wall, dw_cpu, dw_rss))
        print(
            f"{'':<22} {data['summary']['calls']} calls, {dw_streams} streams, {dw_rtp} RTP packets"
        )
        if tshark:
            ts_wall, ts_cpu, ts_rss, ts_out = measure(
                [tshark, "-q", "-z", "rtp,streams", "-r", str(main_file)]
            )
            n, pk = tshark_streams(ts_out)
            print(row("tshark -z rtp,streams", info["packets"], size, ts_wall, ts_cpu, ts_rss))
            print(f"{'':<22} {n} streams, {pk} RTP packets")
            print(
                f"ratio (tshark time / dropwizard time): {ts_wall / dw_wall:.2f} wall, "
                f"{ts_cpu / dw_cpu:.2f} CPU"
            )
        else:
            print("tshark is not installed: no baseline")
        if not a.no_scaling:
            print("peak RSS as the file grows (same concurrency):")
            rows = [(info["packets"], size, dw_wall, dw_cpu, dw_rss)]
            for factor in (0.5, 2.0):
                f = work / f"x{factor}.pcap"
                got = write_capture(str(f), int(a.packets * factor), a.calls)
                wall, cpu, rss, _out = measure(dropwizard_cmd(str(f)))
                rows.append((got["packets"], f.stat().st_size, wall, cpu, rss))
                if not a.keep:
                    f.unlink()
            for n_packets, n_bytes, wall, cpu, rss in sorted(rows):
                print(row(f"  {n_packets / 1e6:.2f} M packets", n_packets, n_bytes, wall, cpu, rss))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"captures kept in {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
