"""SQL builders shared by every executor (MySQL 5.0+, MariaDB, DuckDB) and the read-only guard.

Statements are plain SELECT ... GROUP BY: no window functions, no CTEs, no JSON functions, values
always as `%s` placeholders (DuckDB executors turn them into `?`). Table and column names come
only from `schema.check_table` and `ColumnMap`, never from user input.

The analytics run in two statements per table so that the big table is scanned as few times as
possible: the *profile* (one scan; a 3-row kind table cross joined so that each CDR lands in one
group per kind: calls, timeline, pdd) and the *chains* statement (retry chains via flownofirst).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dropwizard.cdr.schema import ColumnMap, check_table
from dropwizard.errors import DropwizardError

MAX_HOLD = 14400
"""Drop-duration histograms are kept at 1 s resolution up to 4 h; longer drops share one bin."""

PDD_BUCKET_MS = 100
MIDCALL_GAP_MS = 10_000
"""A retry leg that starts within this long of a switch-ended answered leg is a mid-call switch."""

KIND_CALLS, KIND_TIMELINE, KIND_PDD = 1, 2, 3


class UnsafeStatement(DropwizardError):
    """A statement that is not a single read-only SELECT or SHOW never reaches the server."""


_COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*|#[^\n]*", re.S)
_STRING = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"")
_FORBIDDEN = re.compile(
    r"\b(INTO|OUTFILE|DUMPFILE|LOAD_FILE|FOR\s+UPDATE|LOCK\s+IN|HANDLER|CALL|SET|INSERT|UPDATE|"
    r"DELETE|REPLACE|DROP|ALTER|CREATE|TRUNCATE|GRANT|REVOKE|RENAME|KILL|ATTACH|COPY|INSTALL|"
    r"LOAD|PRAGMA|EXPORT|IMPORT|CHECKPOINT|DETACH|USE)\b",
    re.I,
)


def guard(sql: str) -> str:
    """Return `sql` if it is one read-only SELECT or SHOW statement; raise UnsafeStatement otherwise.

    String literals are blanked before the checks, so a value can never smuggle a keyword in
    (values travel as parameters anyway). Comments are refused outright.
    """
    if _COMMENT.search(_STRING.sub("''", sql)):
        raise UnsafeStatement("refusing SQL with comments: only plain SELECT/SHOW statements run")
    body = _STRING.sub("''", sql).strip()
    if ";" in body:
        raise UnsafeStatement("refusing SQL with ';': one statement at a time")
    first = body.split(None, 1)[0].upper() if body else ""
    if first not in ("SELECT", "SHOW", "(SELECT"):
        raise UnsafeStatement(f"refusing {first or 'an empty'} statement: only SELECT and SHOW run")
    bad = _FORBIDDEN.search(body)
    if bad and not (first == "SHOW" and bad.group(1).upper() in ("CREATE",)):
        raise UnsafeStatement(f"refusing SQL containing {bad.group(1).upper()}: read-only queries only")
    return sql


@dataclass
class Stmt:
    """A statement and its parameters, in placeholder order."""

    sql: str
    params: list[Any] = field(default_factory=list)
    label: str = ""


@dataclass
class Filter:
    """What every analytics statement restricts to."""

    since_ms: int | None = None
    until_ms: int | None = None
    gateway: str | None = None
    exclude_tables: tuple[str, ...] = ()
    """Rows whose flowno is in one of these tables are skipped (dedup of the bare `e_cdr`)."""


def _where(cm: ColumnMap, f: Filter, table: str) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    stop = cm.expr("stoptime")
    if f.since_ms is not None:
        parts.append(f"{stop} >= %s")
        params.append(int(f.since_ms))
    if f.until_ms is not None:
        parts.append(f"{stop} < %s")
        params.append(int(f.until_ms))
    if f.gateway is not None:
        parts.append(f"({cm.expr('caller_gw')} = %s OR {cm.expr('callee_gw')} = %s)")
        params += [f.gateway, f.gateway]
    for other in f.exclude_tables:
        check_table(other)
        parts.append(f"NOT EXISTS (SELECT 1 FROM {other} d WHERE d.flowno = {table}.flowno)")
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def drop_condition(cm: ColumnMap) -> tuple[str, list[Any]]:
    """An answered call ended by the switch, or by a cause-102 release (Reason or SIP 408/504)."""
    cond = f"{cm.expr('holdtime')} > 0 AND ({cm.expr('enddirection')} = 2"
    params: list[Any] = []
    if cm.has("reason"):
        cond += f" OR LOWER({cm.expr('reason')}) LIKE %s"
        params.append("%cause=102%")
    cond += f" OR {cm.expr('endreason')} IN (408, 504))"
    return cond, params


def profile(cm: ColumnMap, table: str, f: Filter, bucket_ms: int, *, mysql: bool) -> Stmt:
    """The one-scan profile: call groups, the rejection timeline and the PDD histogram."""
    check_table(table)
    hold, stop = cm.expr("holdtime"), cm.expr("stoptime")
    reason, endr, dirn = cm.expr("reason"), cm.expr("endreason"), cm.expr("enddirection")
    drop, dparams = drop_condition(cm)
    where, wparams = _where(cm, f, table)
    hint = "STRAIGHT_JOIN " if mysql else ""
    sql = (
        f"SELECT {hint}k.kind, "
        f"CASE WHEN k.kind = 1 THEN {cm.expr('caller_gw')} END AS s1, "
        f"{cm.expr('callee_gw')} AS s2, "
        f"CASE WHEN k.kind = 1 THEN {reason} END AS s3, "
        f"CASE WHEN k.kind = 1 THEN {endr} "
        f"WHEN k.kind = 2 THEN (CASE WHEN {hold} > 0 THEN 0 ELSE {endr} END) "
        f"ELSE FLOOR({cm.expr('calleepdd')} / {PDD_BUCKET_MS}) END AS i1, "
        f"CASE WHEN k.kind = 1 THEN {dirn} "
        f"WHEN k.kind = 2 THEN FLOOR({stop} / %s) END AS i2, "
        f"CASE WHEN k.kind = 1 THEN (CASE WHEN {drop} THEN LEAST({hold}, {MAX_HOLD + 1}) "
        f"WHEN {hold} > 0 THEN -1 ELSE 0 END) "
        f"WHEN k.kind = 2 AND {hold} = 0 AND {endr} = 487 THEN {dirn} END AS i3, "
        f"CASE WHEN k.kind = 1 AND {drop} THEN {cm.expr('rtpforward')} END AS i4, "
        f"COUNT(*) AS n, "
        f"SUM(CASE WHEN k.kind = 1 THEN {hold} ELSE 0 END) AS hold_sum, "
        f"SUM(CASE WHEN k.kind = 1 AND {hold} > 0 THEN {cm.expr('callerpdd')} ELSE 0 END) "
        f"AS cpdd_sum "
        f"FROM (SELECT 1 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3) k, {table}"
        f"{where} "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
    )
    params = [bucket_ms, *dparams, *dparams, *wparams]
    return Stmt(sql, params, f"profile {table}")


def chains(cm: ColumnMap, table: str, f: Filter) -> Stmt | None:
    """Retry chains via flownofirst, summarised per switch-ended gateway (None without the column)."""
    check_table(table)
    if not cm.has("flownofirst") or not cm.has("flowno"):
        return None
    first, flowno = cm.expr("flownofirst"), cm.expr("flowno")
    hold, dirn, gw = cm.expr("holdtime"), cm.expr("enddirection"), cm.expr("callee_gw")
    sw = f"{hold} > 0 AND {dirn} = 2"
    retry = f"{first} <> {flowno}"
    where, wparams = _where(cm, f, table)
    cond = f"({retry} OR ({sw}))"
    where = f"{where} AND {cond}" if where else f" WHERE {cond}"
    inner = (
        f"SELECT {first} AS f, "
        f"SUM(CASE WHEN {retry} THEN 1 ELSE 0 END) AS retries, "
        f"MAX(CASE WHEN {sw} THEN {cm.expr('stoptime')} END) AS sw_stop, "
        f"MAX(CASE WHEN {sw} THEN {gw} END) AS sw_gw, "
        f"MAX(CASE WHEN {retry} THEN {cm.expr('starttime')} END) AS last_retry, "
        f"COUNT(DISTINCT {gw}) AS gws "
        f"FROM {table}{where} AND {first} IS NOT NULL "
        f"GROUP BY {first}"
    )
    midcall = (
        "CASE WHEN x.sw_stop IS NOT NULL AND x.retries > 0 AND x.gws > 1 "
        "AND x.last_retry >= x.sw_stop - 2000 AND x.last_retry <= x.sw_stop + %s THEN 1 ELSE 0 END"
    )
    sql = (
        f"SELECT x.sw_gw, {midcall} AS midcall, "
        f"SUM(CASE WHEN x.retries > 0 THEN 1 ELSE 0 END) AS chains, COUNT(*) AS n "
        f"FROM ({inner}) x GROUP BY 1, 2"
    )
    return Stmt(sql, [MIDCALL_GAP_MS, *wparams], f"chains {table}")


CALL_FIELDS: tuple[str, ...] = (
    "flowno", "flownofirst", "caller", "callee", "caller_gw", "callee_gw", "starttime",
    "stoptime", "holdtime", "callerpdd", "calleepdd", "enddirection", "endreason", "reason",
    "rtpforward", "callerip", "calleeip",
)


def call_lookup(cm: ColumnMap, table: str, number: str, lo_ms: int, hi_ms: int) -> Stmt:
    """The CDRs of one number (either side, billing or access number) around a time."""
    check_table(table)
    cols = ", ".join(f"{cm.expr(c)} AS {c}" for c in CALL_FIELDS)
    start, stop = cm.expr("starttime"), cm.expr("stoptime")
    match = [f"{cm.expr(c)} = %s" for c in ("caller", "callee", "caller_in", "callee_in")]
    params: list[Any] = [number] * 4
    if number.isdigit() and len(number) >= 6:
        match += [f"{cm.expr('caller')} LIKE %s", f"{cm.expr('callee')} LIKE %s"]
        params += ["%" + number, "%" + number]
    sql = (
        f"SELECT {cols} FROM {table} WHERE "
        f"(({start} >= %s AND {start} <= %s) OR ({stop} >= %s AND {stop} <= %s)) "
        f"AND ({' OR '.join(match)}) ORDER BY {start} LIMIT 200"
    )
    return Stmt(sql, [lo_ms, hi_ms, lo_ms, hi_ms, *params], f"call {table}")


def chain_lookup(cm: ColumnMap, table: str, firsts: list[int], lo_ms: int, hi_ms: int) -> Stmt:
    """Every leg of the given retry chains within a time range."""
    check_table(table)
    cols = ", ".join(f"{cm.expr(c)} AS {c}" for c in CALL_FIELDS)
    marks = ", ".join(["%s"] * len(firsts))
    sql = (
        f"SELECT {cols} FROM {table} WHERE {cm.expr('stoptime')} >= %s "
        f"AND {cm.expr('stoptime')} <= %s AND {cm.expr('flownofirst')} IN ({marks}) "
        f"ORDER BY {cm.expr('starttime')} LIMIT 200"
    )
    return Stmt(sql, [lo_ms, hi_ms, *[int(x) for x in firsts]], f"chain {table}")


def bounds(cm: ColumnMap, table: str) -> Stmt:
    """Row count and time range of a table (for empty-window notes and demo windows)."""
    check_table(table)
    s = cm.expr("stoptime")
    return Stmt(f"SELECT COUNT(*), MIN({s}), MAX({s}) FROM {table}", [], f"bounds {table}")


def to_qmark(sql: str) -> str:
    """`%s` placeholders as `?` (DuckDB, SQLite)."""
    return sql.replace("%s", "?")
