"""`database`: reach the CDR database, time `SELECT 1`, find today's e_cdr table, crashed tables, long queries."""

from __future__ import annotations

import configparser
import os
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dropwizard.errors import InputError
from dropwizard.evidence import Status
from dropwizard.probes.base import ProbeContext, Result

DEFAULT_URI = "mysql://root@127.0.0.1:3306/"
DATABASES = ("vos3000", "vos3000db")
IDLE_COMMANDS = {"sleep", "daemon", "binlog dump", "binlog dump gtid", "killed"}


def mycnf_password(path: Path | None = None) -> str | None:
    """`password` from the [client] (or [mysql]) section of ~/.my.cnf."""
    path = path or Path("~/.my.cnf").expanduser()
    if not path.is_file():
        return None
    cp = configparser.ConfigParser(allow_no_value=True, strict=False, interpolation=None)
    try:
        cp.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except (configparser.Error, OSError):
        return None
    for section in ("client", "mysql"):
        if cp.has_option(section, "password"):
            value = cp.get(section, "password") or ""
            return value.strip().strip("\"'")
    return None


def resolve_uri(pc: ProbeContext) -> tuple[str | None, str]:
    """(mysql:// URI or None when there is no MySQL to check, where it came from).

    `--source` first, then the session's source; a session over demo data or a CSV export has no
    database unless `[probes] database` names one.
    """
    sources = getattr(pc.app_config, "sources", {}) or {}
    for spec, origin in (
        (pc.param("source"), "--source"),
        (pc.source_spec, "the session's source"),
    ):
        if not spec:
            continue
        spec = str(spec)
        if spec in sources:
            spec, origin = sources[spec], f"config source {spec}"
        if spec.lower().startswith("mysql://"):
            return spec, origin
        if pc.config.database and origin != "--source":
            return pc.config.database, "config [probes] database"
        return None, f"{origin} {spec} is not a MySQL database"
    if pc.config.database:
        return pc.config.database, "config [probes] database"
    for name, uri in sources.items():
        if uri.lower().startswith("mysql://"):
            return uri, f"config source {name}"
    return DEFAULT_URI, "the VOS3000 default (root@127.0.0.1:3306)"


def _target(uri: str) -> tuple[str, str, int, str | None]:
    from dropwizard.cdr.mysql import parse_mysql_uri

    t = parse_mysql_uri(uri)
    return t.user, t.host, t.port, t.database


def today_names(now: datetime | None = None) -> list[str]:
    """e_cdr_YYYYMMDD for the local day and the UTC day (they differ around midnight)."""
    now = now or datetime.now(timezone.utc)
    names = [f"e_cdr_{now.astimezone().strftime('%Y%m%d')}", f"e_cdr_{now.strftime('%Y%m%d')}"]
    return list(dict.fromkeys(names))


def probe(pc: ProbeContext) -> Result:
    """Connect, time SELECT 1, check today's CDR table, crashed tables and long-running queries."""
    try:
        import pymysql
    except ImportError:
        return Result(Status.SKIPPED, "pymysql not installed: pip install pymysql")
    uri, origin = resolve_uri(pc)
    if uri is None:
        return Result(Status.SKIPPED, f"{origin}: nothing to connect to")
    try:
        user, host, port, database = _target(uri)
    except InputError as exc:
        return Result(Status.ERROR, exc.message)
    password = os.environ.get("DROPWIZARD_MYSQL_PASSWORD")
    if password is None:
        password = mycnf_password() or ""
    where = f"mysql://{user}@{host}:{port}/{database or ''}"
    data: dict[str, Any] = {"uri": where, "uri_from": origin}
    t0 = time.perf_counter()
    try:
        conn = pymysql.connect(
            host=host,
            port=port,
            user=user,
            password=password,
            connect_timeout=5,
            read_timeout=int(max(pc.config.timeout, 1)),
            write_timeout=int(max(pc.config.timeout, 1)),
            charset="utf8",
            autocommit=True,
        )
    except pymysql.MySQLError as exc:
        code = exc.args[0] if exc.args else None
        msg = exc.args[1] if len(exc.args) > 1 else str(exc)
        data["error_code"] = code
        advice = [f"mysqladmin -h {host} -P {port} -u {user} ping", "service mysql status"]
        if code == 1045:
            advice.insert(
                0,
                "Put the password in ~/.my.cnf ([client] password=...) or DROPWIZARD_MYSQL_PASSWORD.",
            )
        return Result(
            Status.FAIL,
            f"cannot connect to {where}: {msg}",
            facts={"reachable": False},
            data=data,
            advice=advice,
        )
    data["connect_ms"] = round((time.perf_counter() - t0) * 1000, 3)
    facts: dict[str, Any] = {"reachable": True}
    raw: list[str] = []
    status = Status.OK
    problems: list[str] = []
    advice: list[str] = []
    try:
        with conn.cursor() as cur:
            for stmt in (
                f"SET SESSION max_statement_time = {max(int(pc.config.timeout), 1)}",
                f"SET SESSION max_execution_time = {max(int(pc.config.timeout), 1) * 1000}",
            ):
                try:
                    cur.execute(stmt)
                except pymysql.MySQLError:
                    pass
            times = []
            for _ in range(3):
                t1 = time.perf_counter()
                cur.execute("SELECT 1")
                cur.fetchall()
                times.append((time.perf_counter() - t1) * 1000)
            facts["latency_ms"] = round(statistics.median(times), 3)
            cur.execute("SELECT VERSION()")
            row = cur.fetchone()
            data["version"] = row[0] if row else None
            if database is None:
                cur.execute("SHOW DATABASES")
                present = {r[0] for r in cur.fetchall()}
                database = next((d for d in DATABASES if d in present), None)
                data["databases_seen"] = sorted(present)[:50]
            data["database"] = database
            if database is not None:
                names = today_names()
                db_q = database.replace("`", "")
                cur.execute(f"SHOW TABLES FROM `{db_q}` LIKE 'e\\_cdr\\_%'")
                tables = sorted(r[0] for r in cur.fetchall())
                found = [n for n in names if n in tables]
                facts["today_table"] = bool(found)
                data["today_table"] = found[0] if found else names[0]
                data["cdr_tables"] = len(tables)
                data["newest_cdr_table"] = tables[-1] if tables else None
                if not found:
                    problems.append(f"no {names[0]} table (newest: {data['newest_cdr_table']})")
                    advice.append(
                        "VOS3000 writes no CDRs today: check mbx3000d and the CDR writer, then disk space."
                    )
                cur.execute(f"SHOW TABLE STATUS FROM `{db_q}`")
                cols = [d[0].lower() for d in cur.description]
                crashed = []
                for r in cur.fetchall():
                    rec = dict(zip(cols, r, strict=False))
                    comment = str(rec.get("comment") or "")
                    broken = rec.get("engine") is None and comment and comment.upper() != "VIEW"
                    if "crash" in comment.lower() or broken:
                        crashed.append(str(rec.get("name")))
                facts["crashed_tables"] = len(crashed)
                data["crashed"] = crashed
                if crashed:
                    status = Status.FAIL
                    problems.append(f"{len(crashed)} crashed table(s): {', '.join(crashed[:5])}")
                    advice += [f"mysqlcheck -r {database} {t}" for t in crashed[:5]]
            else:
                problems.append("no vos3000 / vos3000db database")
            cur.execute("SHOW FULL PROCESSLIST")
            cols = [d[0].lower() for d in cur.description]
            own = conn.thread_id()
            long_q: list[dict[str, Any]] = []
            elsewhere = 0
            for r in cur.fetchall():
                rec = dict(zip(cols, r, strict=False))
                if rec.get("id") == own:
                    continue
                if str(rec.get("command") or "").lower() in IDLE_COMMANDS:
                    continue
                t = rec.get("time") or 0
                if float(t) >= pc.config.long_query_s:
                    if database is not None and rec.get("db") not in (database, None):
                        elsewhere += 1
                        continue
                    info = str(rec.get("info") or "")[:200]
                    long_q.append(
                        {"id": rec.get("id"), "time_s": t, "state": rec.get("state"), "info": info}
                    )
            facts["long_queries"] = len(long_q)
            data["long_queries"] = long_q
            data["long_queries_in_other_databases"] = elsewhere
            if long_q:
                problems.append(
                    f"{len(long_q)} statement(s) running over {pc.config.long_query_s:g} s"
                )
                advice.append("SHOW FULL PROCESSLIST;  then KILL <id>; for a runaway report query")
            raw.append(f"SELECT 1 x3: {[round(x, 3) for x in times]} ms; version {data['version']}")
    except pymysql.MySQLError as exc:
        status = Status.WARN
        problems.append(f"query failed: {exc.args[-1] if exc.args else exc}")
    finally:
        conn.close()
    if problems and status is Status.OK:
        status = Status.WARN
    summary = f"{where} reachable, SELECT 1 in {facts.get('latency_ms', '?')} ms"
    if data.get("version"):
        summary += f" (server {data['version']})"
    if problems:
        summary += "; " + "; ".join(problems)
    return Result(status, summary, facts=facts, data=data, advice=advice, raw="\n".join(raw))
