"""CDR sources (VOS3000 MySQL, CSV exports, the demo day) and the analytics run on them.

from dropwizard.cdr import open_source
src = open_source("demo")      # or "export.csv", "mysql://report@127.0.0.1:3306/vos3000"
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from dropwizard.cdr.base import CdrSource, QueryCancelled, QueryTimeout, SourceError
from dropwizard.errors import InputError

__all__ = ["CdrSource", "QueryCancelled", "QueryTimeout", "SourceError", "open_source"]


@lru_cache(maxsize=1)
def _demo_tuples() -> tuple[tuple[Any, ...], ...]:
    from dropwizard.cdr.demo import DEMO_CALLS, DEMO_DAY, DEMO_FAULTS, DEMO_SEED, generate_tuples

    return tuple(
        generate_tuples(seed=DEMO_SEED, day=DEMO_DAY, calls=DEMO_CALLS, faults=DEMO_FAULTS)
    )


def _demo_csv() -> Path:
    """The demo day as a CSV in the user cache dir (rebuilt when the generator changes)."""
    import csv
    import hashlib
    import os
    import tempfile

    import platformdirs

    from dropwizard.cdr import demo

    digest = hashlib.sha256(Path(demo.__file__).read_bytes()).hexdigest()[:16]
    for base in (platformdirs.user_cache_path("dropwizard"), Path(tempfile.gettempdir())):
        path = base / f"demo-{digest}.csv"
        if path.is_file():
            return path
        try:
            base.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(demo.GENERATED)
                w.writerows(_demo_tuples())
            os.replace(tmp, path)
            for stale in base.glob("demo-*.csv"):
                if stale != path:
                    stale.unlink(missing_ok=True)
            return path
        except OSError:
            continue
    raise InputError("cannot write the demo data to the cache or temp directory")


def open_source(
    spec: str,
    config: Any = None,
    *,
    max_seconds: float = 30.0,
    password: str | None = None,
    connections: int = 2,
) -> CdrSource:
    """Open `demo`, a CSV path (.csv, .csv.gz), a mysql:// URI, or a source named in the config.

    `connections`: how many statements of one analysis a MySQL source may run at once.
    """
    spec = (spec or "").strip()
    if not spec:
        raise InputError(
            "no CDR source given: use demo, a CSV export, or mysql://USER@HOST:PORT/DB"
        )
    if spec == "demo":
        from dropwizard.cdr.duck import DuckSource

        return DuckSource.from_csv(_demo_csv(), max_seconds=max_seconds, kind="demo", label="demo")
    if spec.lower().startswith("mysql://"):
        from dropwizard.cdr.mysql import MysqlSource

        return MysqlSource(
            spec, max_seconds=max_seconds, password=password, connections=connections
        )
    sources = getattr(config, "sources", None) or {}
    if spec in sources:
        return open_source(
            sources[spec],
            None,
            max_seconds=max_seconds,
            password=password,
            connections=connections,
        )
    path = Path(spec).expanduser()
    if path.name.lower().endswith((".csv", ".csv.gz", ".txt")) or path.is_file():
        from dropwizard.cdr.duck import DuckSource

        return DuckSource.from_csv(path, max_seconds=max_seconds)
    known = ", ".join(sorted(sources)) or "none configured"
    raise InputError(
        f"unknown source {spec!r}: use demo, a .csv/.csv.gz export, mysql://USER@HOST:PORT/DB, "
        f"or a configured source name ({known})"
    )
