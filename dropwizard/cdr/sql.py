"""SQL builders shared by every executor (MySQL 5.0+, MariaDB, DuckDB) and the read-only guard.

Statements are plain SELECT ... GROUP BY: no window functions, no CTEs, no JSON functions, values
always as `%s` placeholders (DuckDB executors turn them into `?`). Table and column names come
only from `schema.check_table` and `ColumnMap`, never from user input.

The analytics run in three statements per table: the *profile* (calls per gateway pair, drop
duration, release cause and PDD: one GROUP BY with narrow keys, as MySQL's GROUP BY cost grows
with every expression and every group), the *timeline* (attempts and failures per
provider gateway and time bucket), and the *chains* statement (retry chains via flownofirst, reading only retry legs and switch-ended answered
legs). A MySQL source runs them on two connections at once (`MysqlSource.execute_many`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dropwizard.cdr.schema import ColumnMap, check_table
from dropwizard.errors import DropwizardError
from dropwizard.scope import SUFFIX_MIN

MAX_HOLD = 14400
"""Drop-duration histograms are kept at 1 s resolution up to 4 h; longer drops share one bin."""

MINUTE_MS = 60_000

MIDCALL_GAP_MS = 10_000
"""A retry leg that starts within this long of a switch-ended answered leg is a mid-call switch."""


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
        raise UnsafeStatement(
            f"refusing SQL containing {bad.group(1).upper()}: read-only queries only"
        )
    return sql


@dataclass
class Stmt:
    """A statement and its parameters, in placeholder order."""

    sql: str
    params: list[Any] = field(default_factory=list)
    label: str = ""
    decode: dict[int, str] = field(default_factory=dict)
    """Result positions that arrive as bytes (binary GROUP BY keys) -> Python codec to decode."""


@dataclass
class Filter:
    """What every analytics statement restricts to."""

    since_ms: int | None = None
    until_ms: int | None = None
    gateway: str | None = None
    exclude_tables: tuple[str, ...] = ()
    """Rows whose flowno is in one of these tables are skipped (dedup of the bare `e_cdr`)."""


def _where(cm: ColumnMap, f: Filter, table: str, *also: str) -> tuple[str, list[Any]]:
    """The WHERE clause of `f`, and its parameters; `also` adds conditions after it (their
    placeholders' values follow the returned parameters)."""
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
    parts += also
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def drop_condition(cm: ColumnMap) -> tuple[str, list[Any]]:
    """An answered call ended by the switch, or by a cause-102 release (Reason or SIP 408/504)."""
    cond = f"{cm.expr('holdtime')} > 0 AND ({cm.expr('enddirection')} = 2"
    params: list[Any] = []
    if cm.has("reason"):
        cond += f" OR {cm.expr('reason')} LIKE %s"
        params.append("%cause=102%")
    cond += f" OR {cm.expr('endreason')} IN (408, 504))"
    return cond, params


PDD_EDGES_MS: tuple[int, ...] = (1000, 2000, 3000, 5000, 8000, 15000)
"""Upper edges of the callee-side PDD histogram (cumulative counts in the timeline statement)."""

COMMON_FAILURES: tuple[int, ...] = (486, 480, 487, 404, 503, 408, 403, 500, 502, 504, 603, -80)
"""Failure statuses whose Reason header the profile does not keep (their status says it all)."""


def reason_code(cm: ColumnMap) -> str:
    """A 4-character summary of the Reason header: first letter of the protocol + the cause digits.

    `Q.850;cause=102;text=...` -> `Q102`, `SIP;cause=200` -> `S200`; '' when there is none.
    """
    if not cm.has("reason"):
        return "''"
    r = cm.expr("reason")
    return (
        f"CASE WHEN {r} IS NULL OR {r} = '' THEN '' "
        f"WHEN INSTR({r}, 'cause=') = 0 THEN LEFT({r}, 1) "
        f"ELSE CONCAT(LEFT({r}, 1), SUBSTRING({r}, INSTR({r}, 'cause=') + 6, 3)) END"
    )


def text_key(cm: ColumnMap, logical: str, mysql: bool) -> str:
    """A text column as a GROUP BY key.

    On MySQL the key is the column's bytes (`CAST(... AS BINARY)`): grouping on a utf8 VARCHAR
    goes through its collation for every row and costs about twice as much; the source decodes
    the bytes with the column's character set (`Stmt.decode`).
    """
    col = cm.expr(logical)
    return f"CAST({col} AS BINARY)" if mysql and cm.has(logical) else col


def _decode(cm: ColumnMap, positions: dict[int, str], mysql: bool) -> dict[int, str]:
    if not mysql:
        return {}
    return {i: cm.codec(logical) for i, logical in positions.items() if cm.has(logical)}


def _div(expr: str, mysql: bool) -> str:
    """Integer division of a non-negative expression by a bound parameter."""
    return f"{expr} DIV %s" if mysql else f"{expr} // %s"


def profile(cm: ColumnMap, table: str, f: Filter, *, mysql: bool = False) -> Stmt:
    """Calls per gateway pair, drop duration, release cause and PDD bin: one GROUP BY.

    Every expression and every aggregate costs per row and MySQL's GROUP BY cost grows with the
    group count, so the key holds narrow values and no time: caller and callee gateway (bytes on
    MySQL), hkey (drop duration in s for drops, -1 other answered, 0 not answered; the only
    place the cause-102 test runs), rtpforward of answered calls, endreason and enddirection of
    failed and switch-ended answered calls, a 4-character Reason code where the status alone
    does not say enough, and the callee-side PDD bin. Groups stay about (gateway pairs) x
    (statuses + drop durations) x (PDD bins) on any window.
    """
    check_table(table)
    hold = cm.expr("holdtime")
    endr, dirn = cm.expr("endreason"), cm.expr("enddirection")
    drop, dparams = drop_condition(cm)
    where, wparams = _where(cm, f, table)
    common = ", ".join(str(c) for c in COMMON_FAILURES)
    status = f"CASE WHEN {hold} > 0 AND ({dirn} IS NULL OR {dirn} <> 2) THEN NULL ELSE"
    detail = (
        f"CASE WHEN {hold} > 0 THEN {dirn} = 2 "
        f"ELSE ({endr} IS NULL OR {endr} NOT IN ({common})) END"
    )
    sql = (
        f"SELECT {text_key(cm, 'caller_gw', mysql)} AS s1, "
        f"{text_key(cm, 'callee_gw', mysql)} AS s2, "
        f"CASE WHEN {drop} THEN LEAST({hold}, {MAX_HOLD + 1}) WHEN {hold} > 0 THEN -1 ELSE 0 END "
        f"AS hkey, "
        f"CASE WHEN {hold} > 0 THEN {cm.expr('rtpforward')} END AS rtp, "
        f"{status} {endr} END AS xstatus, "
        f"{status} {dirn} END AS xdir, "
        f"CASE WHEN {detail} THEN {reason_code(cm)} END AS xreason, "
        f"{pdd_bin(cm)} AS pbin, "
        f"COUNT(*), SUM({hold}), SUM(CASE WHEN {hold} > 0 THEN {cm.expr('callerpdd')} ELSE 0 END) "
        f"FROM {table}{where} "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8" + (" ORDER BY NULL" if mysql else "")
    )
    params = [*dparams, *wparams]
    return Stmt(
        sql, params, f"profile {table}", _decode(cm, {0: "caller_gw", 1: "callee_gw"}, mysql)
    )


def pdd_bin(cm: ColumnMap) -> str:
    """The callee-side PDD as a bin: 0 not measured (<= 0 or NULL), i below edge i of
    `PDD_EDGES_MS` (1-based), one more past the last edge."""
    if not cm.has("calleepdd"):
        return "0"
    p = cm.expr("calleepdd")
    whens = " ".join(f"WHEN {p} < {edge} THEN {i + 1}" for i, edge in enumerate(PDD_EDGES_MS))
    return f"CASE WHEN {p} IS NULL OR {p} <= 0 THEN 0 {whens} ELSE {len(PDD_EDGES_MS) + 1} END"


def timeline(cm: ColumnMap, table: str, f: Filter, bucket_ms: int, *, mysql: bool = False) -> Stmt:
    """Attempts and failures per provider gateway and time bucket.

    Key: callee gateway (bytes on MySQL), the stoptime bucket (NULL for switch-ended answered
    calls: drops are timed by duration, not by clock), the status (0 when answered) and the
    enddirection of a 487 (0 = cancelled by the caller). Groups stay about (provider gateways)
    x (buckets) x (statuses), whatever the number of customer gateways.
    """
    check_table(table)
    hold, stop = cm.expr("holdtime"), cm.expr("stoptime")
    endr, dirn = cm.expr("endreason"), cm.expr("enddirection")
    where, wparams = _where(cm, f, table)
    sql = (
        f"SELECT {text_key(cm, 'callee_gw', mysql)} AS gw, "
        f"CASE WHEN {hold} > 0 AND {dirn} = 2 THEN NULL ELSE {_div(stop, mysql)} END AS bucket, "
        f"CASE WHEN {hold} > 0 THEN 0 ELSE {endr} END AS code, "
        f"CASE WHEN {hold} > 0 THEN NULL WHEN {endr} = 487 THEN {dirn} END AS d487, "
        f"COUNT(*) FROM {table}{where} GROUP BY 1, 2, 3, 4" + (" ORDER BY NULL" if mysql else "")
    )
    return Stmt(
        sql, [bucket_ms, *wparams], f"timeline {table}", _decode(cm, {0: "callee_gw"}, mysql)
    )


def burst_minutes(
    cm: ColumnMap,
    table: str,
    f: Filter,
    gateway: str,
    codes: frozenset[int],
    *,
    mysql: bool = False,
) -> Stmt:
    """Attempts and rejections (status in `codes`) of one provider gateway per minute.

    Counted as the timeline counts them (switch-ended answered calls are no attempts here), so
    a burst found in the timeline's buckets can be placed to the minute. The window is a few
    buckets around the burst: on MySQL the stoptime index serves it.
    """
    check_table(table)
    hold, stop = cm.expr("holdtime"), cm.expr("stoptime")
    endr, dirn = cm.expr("endreason"), cm.expr("enddirection")
    where, wparams = _where(cm, f, table, f"{cm.expr('callee_gw')} = %s")
    statuses = ", ".join(str(int(c)) for c in sorted(codes))
    sql = (
        f"SELECT {_div(stop, mysql)} AS minute, "
        f"COUNT(CASE WHEN {hold} > 0 AND {dirn} = 2 THEN NULL ELSE 1 END), "
        f"COUNT(CASE WHEN {hold} > 0 THEN NULL WHEN {endr} IN ({statuses}) THEN 1 END) "
        f"FROM {table}{where} GROUP BY 1"
    )
    return Stmt(sql, [MINUTE_MS, *wparams, gateway], f"burst minutes {table}")


def chains(cm: ColumnMap, table: str, f: Filter) -> Stmt | None:
    """Retry chains via flownofirst, summarised per switch-ended gateway (None without the column)."""
    check_table(table)
    if not cm.has("flownofirst") or not cm.has("flowno"):
        return None
    first, flowno = cm.expr("flownofirst"), cm.expr("flowno")
    hold, dirn, gw = cm.expr("holdtime"), cm.expr("enddirection"), cm.expr("callee_gw")
    sw = f"{hold} > 0 AND {dirn} = 2"
    retry = f"{first} <> {flowno}"
    where, wparams = _where(cm, f, table, f"({retry} OR ({sw}))", f"{first} IS NOT NULL")
    inner = (
        f"SELECT {first} AS f, "
        f"SUM(CASE WHEN {retry} THEN 1 ELSE 0 END) AS retries, "
        f"MAX(CASE WHEN {sw} THEN {cm.expr('stoptime')} END) AS sw_stop, "
        f"MAX(CASE WHEN {sw} THEN {gw} END) AS sw_gw, "
        f"MAX(CASE WHEN {retry} THEN {cm.expr('starttime')} END) AS last_retry, "
        f"COUNT(DISTINCT {gw}) AS gws "
        f"FROM {table}{where} GROUP BY {first}"
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
    "flowno",
    "flownofirst",
    "caller",
    "callee",
    "caller_gw",
    "callee_gw",
    "starttime",
    "stoptime",
    "holdtime",
    "callerpdd",
    "calleepdd",
    "enddirection",
    "endreason",
    "reason",
    "rtpforward",
    "callerip",
    "calleeip",
    "callercallid",
    "calleecallid",
)


def call_lookup(
    cm: ColumnMap, table: str, number: str | Sequence[str], lo_ms: int, hi_ms: int
) -> Stmt:
    """The CDRs of one number (either side, billing or access number) around a time.

    `number` is one form of the number or several (`scope.number_forms`): each matches as
    written, and a form of SUFFIX_MIN digits or more also matches the numbers ending with it."""
    check_table(table)
    forms = list(dict.fromkeys([number] if isinstance(number, str) else number))
    cols = ", ".join(f"{cm.expr(c)} AS {c}" for c in CALL_FIELDS)
    start, stop = cm.expr("starttime"), cm.expr("stoptime")
    marks = ", ".join(["%s"] * len(forms))
    sides = ("caller", "callee", "caller_in", "callee_in")
    match = [f"{cm.expr(c)} IN ({marks})" for c in sides]
    params: list[Any] = forms * len(sides)
    for form in forms:
        if form.isdigit() and len(form) >= SUFFIX_MIN:
            match += [f"{cm.expr('caller')} LIKE %s", f"{cm.expr('callee')} LIKE %s"]
            params += ["%" + form, "%" + form]
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
