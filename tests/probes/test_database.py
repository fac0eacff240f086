"""database against the real MariaDB: reachability, today's table, broken tables, long queries."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pymysql
import pytest

from dropwizard.probes.base import ProbeConfig
from dropwizard.probes.database import mycnf_password, today_names

from .conftest import free_udp_port, need, probe

pytestmark = pytest.mark.mysql


@pytest.fixture(autouse=True)
def _empty_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DROPWIZARD_MYSQL_PASSWORD", "")


def _uri(server: dict[str, object], db: str) -> str:
    return f"mysql://{server['user']}@{server['host']}:{server['port']}/{db}"


def _exec(server: dict[str, object], db: str, *stmts: str) -> None:
    conn = pymysql.connect(autocommit=True, database=db, **server)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            for s in stmts:
                cur.execute(s)
    finally:
        conn.close()


def test_reachable_with_todays_table(mysql_server: dict[str, object], mysql_db: str) -> None:
    today = f"e_cdr_{datetime.now(timezone.utc).astimezone().strftime('%Y%m%d')}"
    _exec(
        mysql_server,
        mysql_db,
        f"CREATE TABLE `{today}` (flowno BIGINT PRIMARY KEY, starttime BIGINT, holdtime INT) ENGINE=MyISAM",
        "CREATE TABLE e_cdr_20200101 (flowno BIGINT PRIMARY KEY) ENGINE=MyISAM",
    )
    ev = probe("database", source=_uri(mysql_server, mysql_db))
    assert ev.status.value == "ok", ev.summary
    assert ev.facts["reachable"] is True
    assert ev.facts["today_table"] is True
    assert ev.facts["crashed_tables"] == 0
    assert ev.facts["long_queries"] == 0
    assert 0 < ev.facts["latency_ms"] < 1000
    assert ev.data["cdr_tables"] == 2 and ev.data["today_table"] == today
    conn = pymysql.connect(**mysql_server)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            assert ev.data["version"] == cur.fetchone()[0]
    finally:
        conn.close()


def test_missing_todays_table_warns(mysql_server: dict[str, object], mysql_db: str) -> None:
    _exec(mysql_server, mysql_db, "CREATE TABLE e_cdr_20200101 (flowno BIGINT PRIMARY KEY)")
    ev = probe("database", source=_uri(mysql_server, mysql_db))
    assert ev.status.value == "warn"
    assert ev.facts["today_table"] is False
    assert ev.data["newest_cdr_table"] == "e_cdr_20200101"
    assert today_names()[0] in ev.summary


def test_long_running_statement_is_seen(mysql_server: dict[str, object], mysql_db: str) -> None:
    conn = pymysql.connect(**mysql_server)  # type: ignore[arg-type]

    def sleeper() -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT SLEEP(3)")

    t = threading.Thread(target=sleeper)
    t.start()
    try:
        time.sleep(1.3)
        ev = probe(
            "database", source=_uri(mysql_server, mysql_db), config=ProbeConfig(long_query_s=1)
        )
        assert ev.facts["long_queries"] >= 1
        assert any("SLEEP(3)" in q["info"] for q in ev.data["long_queries"])
        assert ev.status.value == "warn"
    finally:
        t.join()
        conn.close()


def test_broken_myisam_table_is_reported(mysql_server: dict[str, object], mysql_db: str) -> None:
    _exec(
        mysql_server,
        mysql_db,
        "CREATE TABLE e_cdr_20200102 (flowno BIGINT PRIMARY KEY) ENGINE=MyISAM",
        "INSERT INTO e_cdr_20200102 VALUES (1), (2)",
        "FLUSH TABLES",
    )
    conn = pymysql.connect(**mysql_server)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute("SELECT @@datadir")
        datadir = Path(cur.fetchone()[0])
    conn.close()
    myi = datadir / mysql_db / "e_cdr_20200102.MYI"
    if not os.access(myi, os.W_OK):
        need(f"cannot write {myi} to damage a MyISAM table (run as root next to the server)")
    with myi.open("r+b") as fh:
        fh.write(b"\0" * 64)
    _exec(mysql_server, mysql_db, "FLUSH TABLES")
    ev = probe("database", source=_uri(mysql_server, mysql_db))
    assert ev.status.value == "fail"
    assert ev.facts["crashed_tables"] == 1
    assert ev.data["crashed"] == ["e_cdr_20200102"]
    assert f"mysqlcheck -r {mysql_db} e_cdr_20200102" in ev.advice


def test_unreachable_port_fails_fast() -> None:
    port = free_udp_port()
    t0 = time.monotonic()
    ev = probe("database", source=f"mysql://root@127.0.0.1:{port}/vos3000")
    assert time.monotonic() - t0 < 8
    assert ev.status.value == "fail"
    assert ev.facts == {"reachable": False}
    assert f"127.0.0.1:{port}" in ev.summary


def test_password_in_uri_is_refused() -> None:
    ev = probe("database", source="mysql://root:secret@127.0.0.1:3306/vos3000")
    assert ev.status.value == "error" and "secret" not in ev.summary


def test_mycnf_password(tmp_path: Path) -> None:
    cnf = tmp_path / ".my.cnf"
    cnf.write_text('[mysqld]\npassword=no\n[client]\nuser = report\npassword = "s3cret"\n')
    assert mycnf_password(cnf) == "s3cret"
    assert mycnf_password(tmp_path / "missing") is None


def test_non_mysql_source_is_skipped() -> None:
    ev = probe("database", source="demo")
    assert ev.status.value == "skipped" and "not a MySQL database" in ev.summary


def test_config_source_name_is_resolved(mysql_server: dict[str, object], mysql_db: str) -> None:
    from dropwizard.config import Config
    from dropwizard.probes.gatherers import run_probe
    from dropwizard.probes.host import LocalHost

    cfg = Config(raw={"sources": {"pop1": {"uri": _uri(mysql_server, mysql_db)}}})
    ev = run_probe("database", host=LocalHost(), params={"source": "pop1"}, app_config=cfg)
    assert ev.facts["reachable"] is True
    assert ev.data["uri_from"] == "config source pop1" and ev.data["database"] == mysql_db


def test_session_over_demo_data_has_no_database() -> None:
    from dropwizard.probes.gatherers import run_probe
    from dropwizard.probes.host import LocalHost

    ev = run_probe("database", host=LocalHost(), source_spec="demo")
    assert ev.status.value == "skipped"
    assert ev.summary == "the session's source demo is not a MySQL database: nothing to connect to"
    assert ev.facts == {}
