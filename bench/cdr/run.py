"""CDR benchmark: `analyze` against one baseline full scan, on MariaDB and on a CSV (DuckDB).

    .venv/bin/python bench/cdr/data.py            # once: 5 M-row CSV + MariaDB day table
    .venv/bin/python bench/cdr/run.py [--mysql mysql://root@127.0.0.1:3306/dwbench]
        [--csv /tmp/dropwizard-bench/cdr_5000000.csv] [--engines-rows 500000] [--repeat 3]

Prints: baseline scan time, analyze time and their ratio (target <= 1.5) with the analysis's
statements on two connections (the default) and on one, the statements' own time (what the server
spends), rows received by the client (<= 200,000), client peak RSS (<= 200 MB), the same for the CSV against DuckDB's read_csv
GROUP BY (ratio <= 1.5), and a streaming-Python / SQLite / DuckDB comparison on a slice of the
CSV (why DuckDB reads CSV and demo data).
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from dropwizard.cdr import open_source  # noqa: E402
from dropwizard.cdr.demo import DEMO_DAY  # noqa: E402
from dropwizard.cdr.service import analyse  # noqa: E402
from dropwizard.cdr.sql import Stmt  # noqa: E402
from dropwizard.scope import Scope  # noqa: E402

BASELINE = (
    "SELECT calleegatewayid, endreason, enddirection, FLOOR(holdtime/5), COUNT(*) FROM {t} "
    "GROUP BY 1,2,3,4"
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def day_scope() -> Scope:
    since = datetime.combine(DEMO_DAY, datetime.min.time(), tzinfo=timezone.utc)
    return Scope(kind="window", since=since, until=since + timedelta(days=1, hours=1))


def _timed_analyse(src, repeat: int) -> tuple[list[float], float, int, object]:
    """Wall times of `repeat` analyses, the server time of the last, its rows received."""
    times: list[float] = []
    a = None
    for _ in range(repeat):
        r0, s0, n0 = src.stats.rows_received, src.stats.seconds, len(src.stats.log)
        src.__dict__.pop("_analysis_cache", None)  # measure the statements, not the cache
        t0 = time.perf_counter()
        a = analyse(src, day_scope())
        times.append(time.perf_counter() - t0)
        received, server = src.stats.rows_received - r0, src.stats.seconds - s0
        log = src.stats.log[n0:]
    for line in log:
        print(f"    {line}")
    return times, server, received, a


def bench_mysql(uri: str, repeat: int) -> None:
    table = f"e_cdr_{DEMO_DAY:%Y%m%d}"
    src = open_source(uri, max_seconds=600)
    stmt = Stmt(BASELINE.format(t=table), [], "baseline")
    src.execute(stmt)  # warm the cache
    base_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        base_rows = src.execute(stmt)
        base_times.append(time.perf_counter() - t0)
    base = min(base_times)
    print(f"MariaDB {src.version}, {table}; best of {repeat} runs each")
    print(f"  baseline full scan      {base:7.2f} s ({len(base_rows):,} groups)")
    for connections in (src.connections, 1):
        src.connections = connections
        times, server, received, a = _timed_analyse(src, repeat)
        took = min(times)
        print(
            f"  analyze, {connections} connection(s) {took:6.2f} s  ratio {took / base:.2f} "
            f"(median {statistics.median(times) / base:.2f}; target <= 1.5); statements' "
            f"own time {server:.2f} s ({server / base:.2f} baseline scans)"
        )
        print(f"  rows received by client {received:,} (target <= 200,000)")
    src.connections = 2
    t0 = time.perf_counter()
    fine = analyse(src, day_scope(), minute_bursts=True)  # the analysis is cached: refining only
    refine = time.perf_counter() - t0
    windows = [f.data["window"] for f in fine.findings if f.id == "provider_rejection"]
    print(f"  placing {len(windows)} burst(s) to the minute (--burst-minutes): +{refine:.2f} s")
    print(f"  {a.summary.calls:,} CDRs analysed")
    print(f"  client peak RSS         {rss_mb():.0f} MB (target <= 200)")
    print(f"  findings: {', '.join(f'{f.id}/{f.severity.value}' for f in a.findings)}")
    src.close()


def bench_csv(path: str, repeat: int) -> None:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    q = BASELINE.format(t=f"read_csv('{path}')")
    base_times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        con.execute(q).fetchall()
        base_times.append(time.perf_counter() - t0)
    con.close()
    base = min(base_times)
    loads, totals = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        src = open_source(path, max_seconds=600)
        loads.append(time.perf_counter() - t0)
        a = analyse(src, day_scope())
        totals.append(time.perf_counter() - t0)
        rows = src.rows
        src.close()
    took = min(totals)
    print(f"CSV {path} ({rows:,} rows); best of {repeat} runs each")
    print(f"  DuckDB read_csv GROUP BY {base:7.2f} s")
    print(
        f"  analyze                 {took:7.2f} s  ratio {took / base:.2f} "
        f"(median {statistics.median(totals) / base:.2f}; target <= 1.5); of which loading the "
        f"file into DuckDB {min(loads):.2f} s"
    )
    print(f"  findings: {', '.join(f'{f.id}/{f.severity.value}' for f in a.findings)}")


def bench_engines(path: str, n: int) -> None:
    """The same GROUP BY over the first n rows: streaming Python, SQLite, DuckDB."""
    with open(path, newline="") as fh:
        rd = csv.reader(fh)
        head = next(rd)
        rows = list(islice(rd, n))
    slice_path = Path(path).with_name(f"slice_{n}.csv")
    with slice_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    del rows
    ix = {c: i for i, c in enumerate(head)}
    t0 = time.perf_counter()
    cnt: Counter = Counter()
    with slice_path.open(newline="") as fh:
        rd = csv.reader(fh)
        next(rd)
        g, r, d, h = ix["calleegatewayid"], ix["endreason"], ix["enddirection"], ix["holdtime"]
        for row in rd:
            cnt[(row[g], int(row[r]), int(row[d]), int(row[h]) // 5)] += 1
    py = time.perf_counter() - t0
    t0 = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE c (g TEXT, r INT, d INT, h INT)")
    with slice_path.open(newline="") as fh:
        rd = csv.reader(fh)
        next(rd)
        db.executemany(
            "INSERT INTO c VALUES (?,?,?,?)", ((row[g], row[r], row[d], row[h]) for row in rd)
        )
    db.execute("SELECT g, r, d, h/5, COUNT(*) FROM c GROUP BY 1,2,3,4").fetchall()
    sq = time.perf_counter() - t0
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    t0 = time.perf_counter()
    con.execute(BASELINE.format(t=f"read_csv('{slice_path}')")).fetchall()
    dk = time.perf_counter() - t0
    print(f"Engines on {n:,} CSV rows (read + GROUP BY):")
    print(f"  streaming Python {py:6.2f} s  ({n / py:,.0f} rows/s)")
    print(f"  SQLite (import)  {sq:6.2f} s  ({n / sq:,.0f} rows/s)")
    print(f"  DuckDB read_csv  {dk:6.2f} s  ({n / dk:,.0f} rows/s)")
    slice_path.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mysql", default="mysql://root@127.0.0.1:3306/dwbench")
    ap.add_argument("--csv", default="/tmp/dropwizard-bench/cdr_5000000.csv")
    ap.add_argument("--engines-rows", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-mysql", action="store_true")
    a = ap.parse_args()
    if not a.skip_mysql:
        bench_mysql(a.mysql, max(1, a.repeat))
    bench_csv(a.csv, max(1, a.repeat))
    if a.engines_rows > 0:
        bench_engines(a.csv, a.engines_rows)


if __name__ == "__main__":
    main()
