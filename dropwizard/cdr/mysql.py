"""VOS3000 MySQL/MariaDB source (pymysql): read-only, parameterised, time-limited, cancellable."""

from __future__ import annotations

import configparser
import getpass
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pymysql

from dropwizard.cdr.base import CdrSource, QueryCancelled, QueryTimeout, SourceError, TablePlan
from dropwizard.cdr.schema import TABLE_RE, ColumnMap, check_table
from dropwizard.cdr.sql import Stmt, guard
from dropwizard.errors import InputError, SourceUnreachable

_URI = re.compile(r"^mysql://", re.I)


@dataclass(frozen=True)
class MysqlTarget:
    user: str
    host: str
    port: int
    database: str | None

    def describe(self) -> str:
        db = f"/{self.database}" if self.database else ""
        return f"mysql://{self.user}@{self.host}:{self.port}{db}"


def parse_mysql_uri(spec: str) -> MysqlTarget:
    """`mysql://USER@HOST:PORT/DB` (port and DB optional); a password in the URI is refused."""
    if not _URI.match(spec):
        raise InputError(f"{spec!r} is not a mysql:// URI (write mysql://USER@HOST:PORT/DB)")
    u = urlsplit(spec)
    if u.password is not None:
        raise InputError(
            "a password in the source URI would show in the process list: put it in ~/.my.cnf "
            "([client] password=...) or DROPWIZARD_MYSQL_PASSWORD, or answer the prompt"
        )
    try:
        port = 3306 if u.port is None else u.port
        if not 1 <= port <= 65535:
            raise ValueError(port)
    except ValueError:
        raise InputError(
            f"{spec!r}: the port must be a number from 1 to 65535 (e.g. :3306)"
        ) from None
    db = unquote(u.path.lstrip("/")) or None
    if db is not None and not re.fullmatch(r"[A-Za-z0-9_$]{1,64}", db):
        raise InputError(f"{spec!r}: database names may hold letters, digits, _ and $ only")
    return MysqlTarget(
        user=unquote(u.username or "root"), host=u.hostname or "127.0.0.1", port=port, database=db
    )


PASSWORD_ENV = "DROPWIZARD_MYSQL_PASSWORD"
DATABASES = ("vos3000", "vos3000db")
DEFAULT_CONNECTIONS = 2
"""Connections an analysis may use at once: its statements are independent scans of the same
table, so two run in about the time of the longest (the server's total work is unchanged)."""
ER_ACCESS_DENIED = 1045
ER_ACCESS_DENIED_NO_PASSWORD = 1698
"""MariaDB/MySQL refusing a user whose account uses another plugin (unix_socket, auth_socket)
or needs a password that was not given."""
ACCESS_DENIED = (ER_ACCESS_DENIED, ER_ACCESS_DENIED_NO_PASSWORD)
ER_BAD_DB = 1049
ER_QUERY_INTERRUPTED = 1317
ER_STATEMENT_TIMEOUT = 1969
ER_QUERY_TIMEOUT = 3024
CONNECT_ERRORS = (2003, 2005, 2006, 2013)


def mycnf_password(path: Path | None = None) -> str | None:
    """`password` of the [client] group of ~/.my.cnf (quotes stripped), or None."""
    path = path or Path(os.path.expanduser("~/.my.cnf"))
    if not path.is_file():
        return None
    cp = configparser.RawConfigParser(allow_no_value=True, strict=False)
    try:
        cp.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    for group in ("client", "mysql"):
        if cp.has_option(group, "password"):
            value = cp.get(group, "password") or ""
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            return value
    return None


def resolve_password(explicit: str | None) -> tuple[str | None, str]:
    """(password, where it came from): explicit, environment, ~/.my.cnf, or (None, 'none')."""
    if explicit is not None:
        return explicit, "explicit"
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env, "environment"
    cnf = mycnf_password()
    if cnf is not None:
        return cnf, "~/.my.cnf"
    return None, "none"


class _Lane:
    """One connection and the statement running on it (killable from another thread)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.thread_id: int = conn.thread_id()
        self.lock = threading.Lock()
        self.running = False
        self.killed_for: str | None = None


class MysqlSource(CdrSource):
    """VOS3000 CDRs in MySQL 5.0+ or MariaDB: daily `e_cdr_YYYYMMDD` tables plus the bare `e_cdr`."""

    kind = "mysql"
    dialect = "mysql"

    def __init__(
        self,
        spec: str,
        *,
        max_seconds: float = 30.0,
        password: str | None = None,
        prompt: bool | None = None,
        connections: int = DEFAULT_CONNECTIONS,
    ) -> None:
        super().__init__()
        self.target = parse_mysql_uri(spec)
        self.max_seconds = float(max_seconds)
        self.connections = max(1, int(connections))
        pw, self.password_source = resolve_password(password)
        interactive = sys.stdin.isatty() if prompt is None else prompt
        self._lanes = [_Lane(self._connect_with_password(pw, interactive))]
        self._stats_lock = threading.Lock()
        ver = self._simple("SELECT VERSION()")[0][0]
        self.version = str(ver)
        self.mariadb = "mariadb" in self.version.lower()
        nums = re.findall(r"\d+", self.version)
        self.version_tuple = tuple(int(x) for x in nums[:3]) + (0,) * (3 - len(nums[:3]))
        self.database = self._pick_database()
        self._simple(f"USE `{self.database}`")
        self.tables = self._list_tables()
        self._columns: dict[str, ColumnMap] = {}

    # connection ---------------------------------------------------------------------------
    def _connect(self, password: str) -> pymysql.connections.Connection:
        t = self.target
        return pymysql.connect(
            host=t.host,
            port=t.port,
            user=t.user,
            password=password,
            charset="utf8",
            connect_timeout=5,
            read_timeout=self.max_seconds + 15,
            write_timeout=30,
            autocommit=True,
            local_infile=False,
            client_flag=0,
        )

    def _connect_with_password(self, pw: str | None, interactive: bool) -> Any:
        where = f"{self.target.host}:{self.target.port}"
        try:
            self._password = pw or ""
            return self._connect(self._password)
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else 0
            if code in ACCESS_DENIED and pw is None and interactive:
                self._password = getpass.getpass(f"MySQL password for {self.target.user}@{where}: ")
                try:
                    return self._connect(self._password)
                except pymysql.MySQLError as exc2:
                    raise self._translate_connect(exc2) from None
            raise self._translate_connect(exc) from None
        except pymysql.MySQLError as exc:
            raise self._translate_connect(exc) from None

    def _translate_connect(self, exc: Exception) -> Exception:
        where = f"{self.target.host}:{self.target.port}"
        code = exc.args[0] if exc.args else 0
        if code in ACCESS_DENIED:
            plugin = (
                " (or, if the account logs in by unix_socket, use one with a password)"
                if code == ER_ACCESS_DENIED_NO_PASSWORD
                else ""
            )
            return InputError(
                f"MySQL at {where} refused user {self.target.user!r} (access denied; password "
                f"from {self.password_source}): set it in ~/.my.cnf [client] or {PASSWORD_ENV}"
                + plugin
            )
        if code in CONNECT_ERRORS or isinstance(exc, OSError):
            return SourceUnreachable(
                f"cannot reach MySQL at {where}: check host and port; VOS3000 binds MySQL to "
                "127.0.0.1, so run dropwizard on the switch or through an SSH tunnel (ssh -L)"
            )
        msg = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        return InputError(f"MySQL at {where}: {msg.splitlines()[0]}")

    @property
    def conn(self) -> Any:
        """The first connection (metadata statements and single statements run on it)."""
        return self._lanes[0].conn

    @property
    def thread_id(self) -> int:
        return self._lanes[0].thread_id

    def _simple(
        self, sql: str, params: tuple[Any, ...] = (), conn: Any = None
    ) -> list[tuple[Any, ...]]:
        """Internal metadata statements (SHOW/SELECT/USE on validated names)."""
        if not sql.startswith("USE "):
            guard(sql)
        try:
            with (conn or self.conn).cursor() as cur:
                cur.execute(sql, params or None)
                return list(cur.fetchall())
        except pymysql.MySQLError as exc:
            code = exc.args[0] if exc.args else 0
            where = f"{self.target.host}:{self.target.port}"
            if code in CONNECT_ERRORS:
                raise SourceUnreachable(
                    f"lost MySQL at {where}: check the server and the network, then run again"
                ) from None
            msg = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
            raise SourceError(
                f"{sql.split(' FROM ')[0][:60]} failed on {where}: {msg} "
                "(a table dropped or a grant changed while reading? run again)"
            ) from None

    def _pick_database(self) -> str:
        where = f"{self.target.host}:{self.target.port}"
        if self.target.database:
            try:
                name = self.target.database
                like = name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")
                have = [r for r in self._simple("SHOW DATABASES LIKE %s", (like,)) if r[0] == name]
            except pymysql.MySQLError as exc:
                raise self._translate_connect(exc) from None
            if not have:
                raise InputError(
                    f"database {self.target.database!r} does not exist on {where} or this user "
                    "may not see it: check the name and its grants, or leave it out "
                    "of the URI to detect vos3000 or vos3000db"
                )
            return self.target.database
        names = [r[0] for r in self._simple("SHOW DATABASES")]
        ordered = [d for d in DATABASES if d in names] + [
            d
            for d in names
            if d not in DATABASES
            and d not in ("information_schema", "mysql", "performance_schema", "sys")
        ]
        for db in ordered:
            if not re.fullmatch(r"[A-Za-z0-9_$]{1,64}", db):
                continue
            if self._simple(f"SHOW TABLES FROM `{db}` LIKE 'e\\_cdr%%'"):
                return db
        raise SourceError(
            f"no database with e_cdr tables on {where} (looked for vos3000, vos3000db): "
            "name it in the URI, mysql://USER@HOST:PORT/DB"
        )

    def _list_tables(self) -> list[str]:
        rows = self._simple("SHOW TABLES LIKE 'e\\_cdr%%'")
        tables = sorted(r[0] for r in rows if TABLE_RE.match(str(r[0])))
        if not tables:
            raise SourceError(
                f"database {self.database!r} on {self.target.host}:{self.target.port} has no "
                "e_cdr or e_cdr_YYYYMMDD tables: is this the VOS3000 database?"
            )
        return tables

    # CdrSource ------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"mysql://{self.target.user}@{self.target.host}:{self.target.port}/{self.database}"

    def columns(self, table: str) -> ColumnMap:
        check_table(table)
        if table not in self._columns:
            rows = self._simple(f"SHOW FULL COLUMNS FROM {table}")
            cm = ColumnMap.detect(
                [str(r[0]) for r in rows], where=f"{self.describe()} table {table}"
            )
            cm.charsets = {
                str(r[0]).lower(): str(r[2]).split("_", 1)[0] for r in rows if r[2] is not None
            }
            self._columns[table] = cm
        return self._columns[table]

    def default_window(self) -> tuple[datetime | None, datetime | None]:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        return now - timedelta(hours=24), now

    def plan(self, since: datetime | None, until: datetime | None) -> list[TablePlan]:
        if since is None or until is None:
            d_since, d_until = self.default_window()
            since, until = since or d_since, until or d_until
        assert since is not None and until is not None
        first, last = _day_before(since.date()), _day_after(until.date())
        daily = [t for t in self.tables if (d := _table_day(t)) is not None and first <= d <= last]
        plans = [TablePlan(t) for t in daily]
        if "e_cdr" in self.tables:
            lo, hi = int(since.timestamp() * 1000), int(until.timestamp() * 1000)
            cm = self.columns("e_cdr")
            s = cm.expr("stoptime")
            hit = self.execute(
                Stmt(f"SELECT 1 FROM e_cdr WHERE {s} >= %s AND {s} < %s LIMIT 1", [lo, hi], "e_cdr")
            )
            if hit:
                plans.append(TablePlan("e_cdr", exclude=tuple(daily)))
        if not plans:
            self.notes.append(
                f"no CDR table covers {since.date().isoformat()} .. {until.date().isoformat()} "
                f"in {self.database} "
                f"(newest: {self.tables[-1]})"
            )
        return plans

    def _limited(self, sql: str) -> str:
        n = self.max_seconds
        if self.mariadb and self.version_tuple >= (10, 1, 1):
            return f"SET STATEMENT max_statement_time={n:g} FOR {sql}"
        if (
            not self.mariadb
            and self.version_tuple >= (5, 7, 8)
            and sql.lstrip()[:6].upper() == "SELECT"
        ):
            head, rest = sql.lstrip()[:6], sql.lstrip()[6:]
            return f"{head} /*+ MAX_EXECUTION_TIME({int(n * 1000)}) */{rest}"
        return sql

    def execute(self, stmt: Stmt) -> list[tuple[Any, ...]]:
        return self._run(self._lanes[0], stmt)

    def execute_many(self, stmts: list[Stmt]) -> list[list[tuple[Any, ...]]]:
        """Run the statements on up to `connections` connections at once, results in order.

        Statements are taken in the order given by whichever connection is free; the first
        error cancels the others and is raised.
        """
        lanes = self._open_lanes(min(self.connections, len(stmts)))
        if len(lanes) < 2:
            return [self._run(lanes[0], stmt) for stmt in stmts]
        results: list[list[tuple[Any, ...]] | None] = [None] * len(stmts)
        errors: list[BaseException] = []
        todo = list(enumerate(stmts))
        pick = threading.Lock()

        def work(lane: _Lane) -> None:
            while True:
                with pick:
                    if errors or not todo:
                        return
                    i, stmt = todo.pop(0)
                try:
                    results[i] = self._run(lane, stmt)
                except BaseException as exc:
                    with pick:
                        first = not errors
                        errors.append(exc)
                    if first:
                        self.cancel()
                    return

        threads = [threading.Thread(target=work, args=(lane,), daemon=True) for lane in lanes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return [r if r is not None else [] for r in results]

    def _open_lanes(self, n: int) -> list[_Lane]:
        """The first `n` connections, opening the missing ones (fewer if the server refuses)."""
        while len(self._lanes) < n:
            try:
                conn = self._connect(self._password)
                self._simple(f"USE `{self.database}`", conn=conn)
            except pymysql.MySQLError:
                break  # e.g. max_user_connections: run on the connections there are
            self._lanes.append(_Lane(conn))
        return self._lanes[:n]

    def _run(self, lane: _Lane, stmt: Stmt) -> list[tuple[Any, ...]]:
        guard(stmt.sql)
        sql = self._limited(stmt.sql)
        lane.killed_for = None
        watchdog = threading.Timer(self.max_seconds + 1.0, self._kill_lane, args=(lane, "timeout"))
        t0 = time.perf_counter()
        with lane.lock:
            lane.running = True
            watchdog.start()
            try:
                with lane.conn.cursor() as cur:
                    cur.execute(sql, stmt.params or None)
                    rows = list(cur.fetchall())
            except pymysql.MySQLError as exc:
                raise self._translate_query(exc, stmt, lane) from None
            finally:
                lane.running = False
                watchdog.cancel()
        if stmt.decode:
            rows = [_decoded(row, stmt.decode) for row in rows]
        took = time.perf_counter() - t0
        with self._stats_lock:
            self.stats.statements += 1
            self.stats.rows_received += len(rows)
            self.stats.seconds += took
            self.stats.log.append(f"{stmt.label}: {len(rows)} rows in {took:.2f} s")
        return rows

    def _translate_query(self, exc: Exception, stmt: Stmt, lane: _Lane) -> Exception:
        code = exc.args[0] if exc.args else 0
        label = stmt.label or "query"
        if code in (ER_STATEMENT_TIMEOUT, ER_QUERY_TIMEOUT) or (
            code in (ER_QUERY_INTERRUPTED, 2013) and lane.killed_for == "timeout"
        ):
            if code == 2013:
                self._reconnect(lane)
            return QueryTimeout(
                f"{label} on {self.target.host}:{self.target.port} was cut after "
                f"{self.max_seconds:g} s (raise --max-seconds or narrow --since/--until)"
            )
        if code == ER_QUERY_INTERRUPTED:
            return QueryCancelled(f"{label} cancelled (KILL QUERY)")
        if code in CONNECT_ERRORS:
            return SourceUnreachable(
                f"lost MySQL at {self.target.host}:{self.target.port} during {label}: "
                "check the server and the network, then run again"
            )
        msg = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        return SourceError(f"{label} failed on {self.target.host}:{self.target.port}: {msg}")

    def _reconnect(self, lane: _Lane) -> None:
        try:
            lane.conn.close()
        except Exception:
            pass
        conn = self._connect(self._password)
        self._simple(f"USE `{self.database}`", conn=conn)
        lane.conn, lane.thread_id = conn, conn.thread_id()

    def _kill_lane(self, lane: _Lane, why: str) -> None:
        """KILL QUERY the statement running on `lane`, from a connection of its own."""
        if not lane.running:
            return
        lane.killed_for = why
        try:
            other = self._connect(self._password)
        except pymysql.MySQLError:
            return
        try:
            with other.cursor() as cur:
                cur.execute("KILL QUERY %s", (int(lane.thread_id),))
        except pymysql.MySQLError:
            pass
        finally:
            other.close()

    def _kill(self, why: str) -> None:
        for lane in list(self._lanes):
            self._kill_lane(lane, why)

    def cancel(self) -> None:
        self._kill("cancel")

    def close(self) -> None:
        self._kill("cancel")
        for lane in self._lanes:
            try:
                lane.conn.close()
            except Exception:
                pass


def _table_day(table: str) -> date | None:
    """The day of a daily table `e_cdr_YYYYMMDD` (None for `e_cdr` or an impossible date)."""
    m = re.fullmatch(r"e_cdr_(\d{4})(\d{2})(\d{2})", table)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _day_before(day: date) -> date:
    return day - timedelta(days=1) if day > date.min else day


def _day_after(day: date) -> date:
    return day + timedelta(days=1) if day < date.max else day


def _decoded(row: tuple[Any, ...], decode: dict[int, str]) -> tuple[Any, ...]:
    """`row` with the bytes at the given positions decoded (undecodable bytes replaced)."""
    out = list(row)
    for i, codec in decode.items():
        v = out[i]
        if isinstance(v, (bytes, bytearray)):
            out[i] = bytes(v).decode(codec, errors="replace")
    return tuple(out)
