"""MySQL analyses on several connections, and gateway names read back as bytes from any charset."""

from __future__ import annotations

import time
import uuid

import pymysql
import pytest
from cdrdays import DAY, load_mysql, rows_for
from support import cancel_while_running
from test_csv import write
from test_mysql import FAULTS, SINCE, UNTIL, comparable, run_json

from dropwizard.cdr import QueryCancelled, SourceError
from dropwizard.cdr.mysql import MysqlSource
from dropwizard.cdr.sql import Stmt

pytestmark = pytest.mark.mysql
TABLE = f"e_cdr_{DAY:%Y%m%d}"
NAMES = {
    "PRV-Orion-Premium": "上海电信-落地",
    "PRV-Vox-Backup": "联通 备用 Route",
    "CUST-Globtel": "北京客户",
    "CUST-Acme-SIP": "Añejo-Café",
}
SLOW = (
    f"SELECT COUNT(*) FROM {TABLE} a, {TABLE} b, {TABLE} c, {TABLE} d "
    "WHERE a.holdtime + b.holdtime + c.holdtime + d.holdtime = -1"
)


@pytest.mark.parametrize("charset", ["utf8", "gbk"])
def test_non_ascii_gateway_names_match_the_csv(
    charset, mysql_server, mysql_db, mysql_uri, tmp_path, capsys
) -> None:
    rows = rows_for(21, FAULTS, calls=6000, rename=NAMES)
    if charset == "gbk":
        rows = [
            tuple(v.replace("Añejo-Café", "Anejo-Cafe") if isinstance(v, str) else v for v in r)
            for r in rows
        ]
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    conn = pymysql.connect(database=mysql_db, autocommit=True, **mysql_server)
    with conn.cursor() as cur:
        cur.execute(f"ALTER TABLE {TABLE} CONVERT TO CHARACTER SET {charset}")
    conn.close()
    path = write(tmp_path / "names.csv", rows)
    code, mysql_rep, _ = run_json(capsys, "--source", mysql_uri, "--since", SINCE, "--until", UNTIL)
    c2, csv_rep, _ = run_json(capsys, "--source", str(path), "--since", SINCE, "--until", UNTIL)
    assert code == c2 == 0
    assert comparable(mysql_rep) == comparable(csv_rep)
    names = {g["gateway"] for g in mysql_rep["gateways"]}
    assert {"上海电信-落地", "联通 备用 Route", "北京客户"} <= names
    timers = [f["gateway"] for f in mysql_rep["findings"] if f["id"] == "session_timer_expiry"]
    assert "联通 备用 Route" in timers


def test_one_connection_and_two_give_the_same_json(mysql_server, mysql_db, mysql_uri, capsys):
    rows = rows_for(22, FAULTS, calls=6000)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    window = ("--since", SINCE, "--until", UNTIL)
    c1, one, _ = run_json(capsys, "--source", mysql_uri, *window, "--db-connections", "1")
    c2, two, _ = run_json(capsys, "--source", mysql_uri, *window)
    assert c1 == c2 == 0 and one == two
    code, rep, err = run_json(capsys, "--source", mysql_uri, "--db-connections", "0")
    assert code == 2 and rep is None and "--db-connections" in err


def test_statements_run_at_once_on_two_connections(mysql_server, mysql_db, mysql_uri) -> None:
    load_mysql(mysql_server, mysql_db, rows_for(23, calls=300), TABLE)
    src = MysqlSource(mysql_uri, max_seconds=30, prompt=False, connections=2)
    try:
        sleep = [Stmt("SELECT SLEEP(1), CONNECTION_ID()", [], f"sleep {i}") for i in range(2)]
        t0 = time.monotonic()
        out = src.execute_many(sleep)
        took = time.monotonic() - t0
        assert [r[0][0] for r in out] == [0, 0]
        assert out[0][0][1] != out[1][0][1]  # two server threads
        assert took < 1.8
        src.connections = 1
        t0 = time.monotonic()
        out = src.execute_many(sleep)
        assert time.monotonic() - t0 >= 2.0 and out[0][0][1] == out[1][0][1]
    finally:
        src.close()


def test_a_failing_statement_cancels_the_other_and_is_raised(
    mysql_server, mysql_db, mysql_uri
) -> None:
    load_mysql(mysql_server, mysql_db, rows_for(24, calls=200), TABLE)
    src = MysqlSource(mysql_uri, max_seconds=30, prompt=False, connections=2)
    try:
        bad = Stmt(f"SELECT no_such_column FROM {TABLE}", [], "broken")
        t0 = time.monotonic()
        with pytest.raises(SourceError, match="broken failed"):
            src.execute_many([Stmt(SLOW, [], "slow"), bad])
        assert time.monotonic() - t0 < 10
        assert src.execute_many([Stmt("SELECT 1", []), Stmt("SELECT 2", [])]) == [[(1,)], [(2,)]]
    finally:
        src.close()


def test_cancel_kills_every_running_statement(mysql_server, mysql_db, mysql_uri) -> None:
    load_mysql(mysql_server, mysql_db, rows_for(25, calls=200), TABLE)
    src = MysqlSource(mysql_uri, max_seconds=30, prompt=False, connections=2)
    mark = f"cancel-{uuid.uuid4().hex}"
    slow = f"{SLOW} AND a.callere164 <> '{mark}'"
    exc, took, alive = cancel_while_running(
        lambda: src.execute_many([Stmt(slow, [], "slow a"), Stmt(slow, [], "slow b")]), src.cancel
    )
    try:
        assert not alive and took < 10
        assert isinstance(exc, QueryCancelled)
        conn = pymysql.connect(autocommit=True, **mysql_server)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT COUNT(*) FROM information_schema.processlist "
                "WHERE info LIKE %s AND id <> CONNECTION_ID()",
                (f"%{mark}%",),
            )
            assert cur.fetchone()[0] == 0
        conn.close()
    finally:
        src.close()


def test_a_user_limited_to_one_connection_still_gets_its_analysis(
    mysql_server, mysql_db, capsys, monkeypatch
) -> None:
    rows = rows_for(26, FAULTS, calls=3000)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    user = f"dw1_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(autocommit=True, **mysql_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw1' WITH MAX_USER_CONNECTIONS 1")
        cur.execute(
            f"CREATE USER '{user}'@'localhost' IDENTIFIED BY 'pw1' WITH MAX_USER_CONNECTIONS 1"
        )
        for host in ("%", "localhost"):
            cur.execute(f"GRANT SELECT ON `{mysql_db}`.* TO '{user}'@'{host}'")
    uri = f"mysql://{user}@{mysql_server['host']}:{mysql_server['port']}/{mysql_db}"
    try:
        src = MysqlSource(uri, max_seconds=30, password="pw1", prompt=False, connections=2)
        try:
            out = src.execute_many([Stmt("SELECT 1", []), Stmt("SELECT 2", [])])
            assert out == [[(1,)], [(2,)]] and len(src._lanes) == 1
        finally:
            src.close()
        monkeypatch.setenv("DROPWIZARD_MYSQL_PASSWORD", "pw1")
        code, rep, _ = run_json(capsys, "--source", uri, "--since", SINCE, "--until", UNTIL)
        assert code == 0 and rep["totals"]["calls"] == len(rows)
    finally:
        with admin.cursor() as cur:
            for host in ("%", "localhost"):
                cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
        admin.close()


def test_minute_bursts_are_the_same_from_mysql_and_csv(
    mysql_server, mysql_db, mysql_uri, tmp_path, capsys
) -> None:
    fault = {
        "type": "provider_503_burst",
        "gateway": "PRV-Orion-Premium",
        "params": {"rate": 0.6},
        "window": ("10:13", "11:02"),
    }
    rows = rows_for(27, [fault], calls=12000)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    path = write(tmp_path / "burst.csv", rows)
    window = ("--since", SINCE, "--until", UNTIL, "--burst-minutes")
    c1, mysql_rep, _ = run_json(capsys, "--source", mysql_uri, *window)
    c2, csv_rep, _ = run_json(capsys, "--source", str(path), *window)
    assert c1 == c2 == 0 and comparable(mysql_rep) == comparable(csv_rep)
    burst = next(f for f in mysql_rep["findings"] if f["id"] == "provider_rejection")
    start = burst["data"]["window"]["start"]
    assert start.startswith("2026-11-27T10:1") and not start.endswith(":15:00Z")
