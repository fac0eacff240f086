"""Build the benchmark data: a 5,000,000-row VOS3000 day as a CSV and as a MariaDB day table.

    .venv/bin/python bench/cdr/data.py [--rows 5000000] [--dir /tmp/dropwizard-bench]
        [--mysql mysql://root@127.0.0.1:3306/dwbench]

Rows come from the demo generator (the default demo faults, several seeds, one day), written with
csv.writer and loaded with LOAD DATA LOCAL INFILE into `e_cdr_YYYYMMDD` (schema file definition).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dropwizard.cdr.demo import DEMO_DAY, DEMO_FAULTS, GENERATED, generate_tuples  # noqa: E402

SCHEMA = ROOT / "dropwizard" / "cdr" / "vos3000-schema.sql"
CHUNK_CALLS = 250_000


def write_csv(path: Path, rows: int) -> int:
    """Write about `rows` CDRs of one day; returns the exact row count."""
    n = 0
    seed = 1
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(GENERATED)
        while n < rows:
            chunk = generate_tuples(
                seed=seed,
                day=DEMO_DAY,
                calls=CHUNK_CALLS,
                faults=DEMO_FAULTS,
                first_flowno=100_000_000 + seed * 10_000_000,
            )
            chunk = chunk[: rows - n]
            w.writerows(chunk)
            n += len(chunk)
            seed += 1
            print(f"  {n:,} rows", file=sys.stderr)
    return n


def load_mysql(uri: str, csv_path: Path, table: str) -> None:
    import pymysql

    from dropwizard.cdr.mysql import parse_mysql_uri

    p = parse_mysql_uri(uri)
    conn = pymysql.connect(
        host=p.host,
        port=p.port,
        user=p.user,
        password="",
        local_infile=True,
        autocommit=True,
        charset="utf8mb4",
    )
    ddl = SCHEMA.read_text().split("CREATE TABLE", 1)[1].rsplit(";", 1)[0]
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{p.database}` CHARACTER SET utf8")
        cur.execute(f"USE `{p.database}`")
        cur.execute(f"DROP TABLE IF EXISTS `{table}`")
        cur.execute("CREATE TABLE" + ddl.replace("`e_cdr`", f"`{table}`", 1))
        cols = ",".join(GENERATED)
        cur.execute(
            f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` CHARACTER SET utf8mb4 "
            f"FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' "
            f"IGNORE 1 LINES ({cols})",
            (str(csv_path),),
        )
        cur.execute(f"SELECT COUNT(*) FROM `{table}`")
        print(f"  {table}: {cur.fetchone()[0]:,} rows", file=sys.stderr)
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--dir", default="/tmp/dropwizard-bench")
    ap.add_argument("--mysql", default="mysql://root@127.0.0.1:3306/dwbench")
    a = ap.parse_args()
    d = Path(a.dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"cdr_{a.rows}.csv"
    t = time.perf_counter()
    if not path.exists():
        write_csv(path, a.rows)
    print(f"csv {path} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    t = time.perf_counter()
    load_mysql(a.mysql, path, f"e_cdr_{DEMO_DAY:%Y%m%d}")
    print(f"mysql load in {time.perf_counter() - t:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
