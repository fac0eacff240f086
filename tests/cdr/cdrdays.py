"""Generated days as DuckDB sources and as VOS3000-shaped MariaDB tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from dropwizard.cdr.demo import GENERATED, gateway_names, generate_tuples
from dropwizard.cdr.duck import DuckSource

DAY = date(2026, 11, 27)
SCHEMA = Path(__file__).resolve().parents[2] / "dropwizard" / "cdr" / "vos3000-schema.sql"
OLD_RENAME = {
    "callergatewayid": "callergatewayh323id",
    "calleegatewayid": "calleegatewayh323id",
    "calleepdd": "pdd",
}
OLD_DROP = {"callerpdd", "sipreasonheader", "flownofirst"}


def rows_for(
    seed: int,
    faults: Sequence[dict[str, Any]] = (),
    calls: int = 15000,
    rename: dict[str, str] | None = None,
    day: date = DAY,
) -> list[tuple[Any, ...]]:
    """A generated day; `rename` maps the generator's gateway names to others."""
    rows = generate_tuples(seed=seed, day=day, calls=calls, faults=list(faults))
    if not rename:
        return rows
    gi, pi = GENERATED.index("callergatewayid"), GENERATED.index("calleegatewayid")
    out = []
    for r in rows:
        r = list(r)
        r[gi] = rename.get(r[gi], r[gi])
        r[pi] = rename.get(r[pi], r[pi])
        out.append(tuple(r))
    return out


def renamed(prefix: str) -> dict[str, str]:
    cust, prov = gateway_names()
    return {
        **{c: f"{prefix}_in_{i}" for i, c in enumerate(cust)},
        **{p: f"{prefix}-route-{i}" for i, p in enumerate(prov)},
    }


def duck(rows: Sequence[Sequence[Any]]) -> DuckSource:
    return DuckSource.from_tuples(rows, GENERATED, label="test", kind="csv")


def ddl(table: str, old: bool = False) -> str:
    text = SCHEMA.read_text()
    body = "CREATE TABLE" + text.split("CREATE TABLE", 1)[1].rsplit(";", 1)[0]
    body = body.replace("`e_cdr`", f"`{table}`", 1)
    if old:
        for a, b in OLD_RENAME.items():
            body = body.replace(f"`{a}`", f"`{b}`")
        lines = [ln for ln in body.splitlines() if not any(f"`{c}`" in ln for c in OLD_DROP)]
        body = "\n".join(lines)
        body = re.sub(
            r"KEY `callergatewayid` \(`callergatewayh323id`\)",
            "KEY `cgw` (`callergatewayh323id`)",
            body,
        )
    return body


def load_mysql(
    params: dict[str, Any], db: str, rows: Sequence[Sequence[Any]], table: str, *, old: bool = False
) -> None:
    import pymysql

    conn = pymysql.connect(database=db, autocommit=True, charset="utf8", **params)
    cols = [c for c in GENERATED if not (old and c in OLD_DROP)]
    idx = [GENERATED.index(c) for c in cols]
    names = ", ".join(OLD_RENAME.get(c, c) if old else c for c in cols)
    with conn.cursor() as cur:
        cur.execute(ddl(table, old))
        for i in range(0, len(rows), 2000):
            chunk = [tuple(r[j] for j in idx) for r in rows[i : i + 2000]]
            marks = "(" + ", ".join(["%s"] * len(cols)) + ")"
            cur.execute(
                f"INSERT INTO `{table}` ({names}) VALUES "
                + ", ".join(cur.mogrify(marks, c) for c in chunk)
            )
    conn.close()
