"""The VOS3000 MySQL source against the real MariaDB: same JSON as CSV, schema variants, safety."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from cdrdays import DAY, duck, load_mysql, rows_for
from support import cancel_while_running

from dropwizard.cdr import QueryTimeout, open_source
from dropwizard.cdr.demo import gateway_names
from dropwizard.cdr.mysql import MysqlSource
from dropwizard.cdr.service import analyse, lookup_call
from dropwizard.cdr.sql import Stmt, UnsafeStatement
from dropwizard.cli import main
from dropwizard.scope import Scope

pytestmark = pytest.mark.mysql
TABLE = f"e_cdr_{DAY:%Y%m%d}"
PREV = f"e_cdr_{DAY - timedelta(days=1):%Y%m%d}"
SINCE, UNTIL = "2026-11-27T00:00", "2026-11-28T01:00"
FAULTS = [
    {"type": "session_timer", "gateway": "PRV-Vox-Backup", "params": {"timer_s": 1333}},
    {
        "type": "provider_503_burst",
        "gateway": "PRV-Orion-Premium",
        "params": {"rate": 0.6},
        "window": ("11:00", "12:00"),
    },
]


def run_json(capsys, *argv: str) -> tuple[int, dict[str, Any] | None, str]:
    code = main(["analyze", *argv, "--format", "json"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def comparable(rep: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rep.items() if k not in ("source", "notes")}


def test_csv_and_mysql_give_the_same_json(
    mysql_server, mysql_db, mysql_uri, tmp_path, capsys
) -> None:
    rows = rows_for(8, FAULTS, calls=12000)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    from test_csv import write

    path = write(tmp_path / "same.csv", rows)
    c1, mysql_rep, _ = run_json(capsys, "--source", mysql_uri, "--since", SINCE, "--until", UNTIL)
    c2, csv_rep, _ = run_json(capsys, "--source", str(path), "--since", SINCE, "--until", UNTIL)
    assert c1 == c2 == 0
    assert comparable(mysql_rep) == comparable(csv_rep)
    assert mysql_rep["totals"]["calls"] == len(rows)
    ids = {f["id"] for f in mysql_rep["findings"] if f["severity"] == "high"}
    assert {"session_timer_expiry", "provider_rejection"} <= ids
    # the same rows split over the day table, the day before and the bare e_cdr (duplicates)
    code, rep, _ = run_json(
        capsys,
        "--source",
        mysql_uri,
        "--since",
        SINCE,
        "--until",
        UNTIL,
        "--gateway",
        "PRV-Vox-Backup",
    )
    assert code == 0 and rep["gateway"] == "PRV-Vox-Backup"
    assert 0 < rep["totals"]["calls"] < len(rows)


def test_day_before_and_bare_e_cdr_are_deduplicated(mysql_server, mysql_db, mysql_uri) -> None:
    rows = rows_for(9, calls=3000)
    late = rows[-200:]
    load_mysql(mysql_server, mysql_db, rows[:-200], TABLE)
    load_mysql(mysql_server, mysql_db, late, PREV)  # late writes into yesterday's table
    load_mysql(mysql_server, mysql_db, rows[:500] + late[:50], "e_cdr")  # duplicates in e_cdr
    src = open_source(mysql_uri)
    try:
        scope = Scope(
            kind="window",
            since=Scope.for_call(f"1@{SINCE}").at,
            until=Scope.for_call(f"1@{UNTIL}").at,
        )
        a = analyse(src, scope)
        assert a.summary.calls == len(rows)
        assert sorted(a.profile.tables) == sorted([TABLE, PREV, "e_cdr"])
    finally:
        src.close()


def test_old_schema_variant(mysql_server, mysql_db, mysql_uri, capsys) -> None:
    rows = rows_for(10, FAULTS[:1], calls=12000)
    load_mysql(mysql_server, mysql_db, rows, TABLE, old=True)
    code, rep, _ = run_json(capsys, "--source", mysql_uri, "--since", SINCE, "--until", UNTIL)
    assert code == 0 and rep["totals"]["calls"] == len(rows)
    f = next(f for f in rep["findings"] if f["id"] == "session_timer_expiry")
    assert f["gateway"] == "PRV-Vox-Backup" and abs(f["data"]["timer_s"] - 1333) <= 1
    assert {g["gateway"] for g in rep["gateways"]} >= set(gateway_names()[1])


def test_database_detection_and_errors(mysql_server, mysql_db, mysql_uri, capsys) -> None:
    host = f"{mysql_server['host']}:{mysql_server['port']}"
    # no CDR tables yet
    code, rep, err = run_json(capsys, "--source", mysql_uri)
    assert code == 2 and rep is None and "no e_cdr" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_json(capsys, "--source", f"mysql://root@{host}/dw_no_such_db_x")
    assert code == 2 and "does not exist" in err
    code, _, err = run_json(capsys, "--source", "mysql://root@127.0.0.1:1/vos3000")
    assert code == 3 and "127.0.0.1:1" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_json(capsys, "--source", "mysql://root:secret@127.0.0.1:3306/x")
    assert code == 2 and "password" in err


def test_wrong_password(mysql_server, mysql_db, monkeypatch, capsys) -> None:
    import pymysql

    conn = pymysql.connect(autocommit=True, **mysql_server)
    user = f"dw_{mysql_db[-8:]}"
    with conn.cursor() as cur:
        cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'right-one'")
        cur.execute(f"GRANT SELECT ON `{mysql_db}`.* TO '{user}'@'%'")
    try:
        monkeypatch.setenv("DROPWIZARD_MYSQL_PASSWORD", "wrong-one")
        uri = f"mysql://{user}@{mysql_server['host']}:{mysql_server['port']}/{mysql_db}"
        code, _, err = run_json(capsys, "--source", uri)
        assert code == 2 and "access denied" in err and "wrong-one" not in err
        assert len(err.strip().splitlines()) == 1
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER '{user}'@'%'")
        conn.close()


def test_empty_window_is_a_result(mysql_server, mysql_db, mysql_uri, capsys) -> None:
    load_mysql(mysql_server, mysql_db, rows_for(12, calls=500), TABLE)
    code, rep, err = run_json(
        capsys,
        "--source",
        mysql_uri,
        "--since",
        "2026-11-27T03:00",
        "--until",
        "2026-11-27T03:00:01",
    )
    assert code == 0 and rep["totals"] == {"calls": 0, "answered": 0, "failed": 0, "dropped": 0}
    assert rep["findings"] == [] and "no CDRs" in err
    code, rep, err = run_json(
        capsys, "--source", mysql_uri, "--since", "2020-01-01", "--until", "2020-01-02"
    )
    assert code == 0 and rep["totals"]["calls"] == 0 and "no CDR table covers" in err


def test_statement_over_its_limit_is_cut(mysql_server, mysql_db, mysql_uri) -> None:
    rows = rows_for(13, calls=3000)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    src = MysqlSource(mysql_uri, max_seconds=1, prompt=False)
    try:
        heavy = Stmt(
            f"SELECT COUNT(*) FROM {TABLE} a, {TABLE} b, {TABLE} c WHERE a.holdtime + "
            "b.holdtime + c.holdtime = -1",
            [],
            "cross join",
        )
        with pytest.raises(QueryTimeout) as exc:
            src.execute(heavy)
        assert "cut after 1 s" in exc.value.message
        assert src.execute(Stmt("SELECT 1", [], "after"))[0][0] == 1
        with pytest.raises(UnsafeStatement):
            src.execute(Stmt(f"DELETE FROM {TABLE}", [], "delete"))
        assert src.execute(Stmt(f"SELECT COUNT(*) FROM {TABLE}", []))[0][0] == len(rows)
    finally:
        src.close()


def test_injection_through_gateway_and_call(mysql_server, mysql_db, mysql_uri, capsys) -> None:
    rows = rows_for(14, calls=2000)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    for evil in ("x' OR '1'='1", "PRV-Orion-Premium' -- ", "\\' OR 1=1 #", "x`; DROP TABLE e_cdr"):
        code, rep, _ = run_json(
            capsys, "--source", mysql_uri, "--since", SINCE, "--until", UNTIL, "--gateway", evil
        )
        assert code == 0 and rep["totals"]["calls"] == 0
    code, _, err = run_json(
        capsys, "--source", mysql_uri, "--call", "1' OR '1'='1@2026-11-27T12:00"
    )
    assert code == 2 and "number" in err
    src = open_source(mysql_uri)
    try:
        res = lookup_call(src, "' OR ''='", Scope.for_call("1@2026-11-27T12:00").at)
        assert res["legs"] == []
        assert src.execute(Stmt(f"SELECT COUNT(*) FROM {TABLE}", []))[0][0] == len(rows)
    finally:
        src.close()


def test_single_call_lookup(mysql_server, mysql_db, mysql_uri, capsys) -> None:
    rows = rows_for(
        15, [{"type": "midcall_failover", "gateway": "PRV-Zetta-Route2", "share": 0.3}], calls=3000
    )
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    src = duck(rows)
    from dropwizard.cdr.demo import GENERATED

    ix = {c: i for i, c in enumerate(GENERATED)}
    legs = [
        r
        for r in rows
        if r[ix["enddirection"]] == 2
        and r[ix["holdtime"]] > 0
        and r[ix["calleegatewayid"]] == "PRV-Zetta-Route2"
    ]
    leg = legs[len(legs) // 2]
    number = leg[ix["calleee164"]]
    from dropwizard.cdr.analytics import iso_ms

    at = iso_ms(leg[ix["stoptime"]] - 30_000)
    code, rep, _ = run_json(capsys, "--source", mysql_uri, "--call", f"{number}@{at}")
    assert code == 0
    call = rep["call"]
    assert call["found"] and len(call["legs"]) >= 2
    first = next(x for x in call["legs"] if x["flowno"] == leg[ix["flowno"]])
    assert first["direction"] == "switch" and first["cause"] == 41
    assert {x["callee_gateway"] for x in call["legs"]} > {"PRV-Zetta-Route2"}
    src.close()


def test_cancel_kills_the_running_query(mysql_server, mysql_db, mysql_uri) -> None:
    from dropwizard.cdr import QueryCancelled

    load_mysql(mysql_server, mysql_db, rows_for(16, calls=200), TABLE)
    src = MysqlSource(mysql_uri, max_seconds=30, prompt=False)
    slow = Stmt(
        f"SELECT COUNT(*) FROM {TABLE} a, {TABLE} b, {TABLE} c, {TABLE} d "
        "WHERE a.holdtime + b.holdtime + c.holdtime + d.holdtime = -1",
        [],
        "slow",
    )
    exc, took, alive = cancel_while_running(lambda: src.execute(slow), src.cancel)
    try:
        assert not alive and took < 10
        assert isinstance(exc, QueryCancelled)
        assert src.execute(Stmt("SELECT 1", []))[0][0] == 1
    finally:
        src.close()


def test_old_server_path_kills_from_a_second_connection(mysql_server, mysql_db, mysql_uri) -> None:
    rows = rows_for(18, calls=200)
    load_mysql(mysql_server, mysql_db, rows, TABLE)
    src = MysqlSource(mysql_uri, max_seconds=1, prompt=False)
    src.mariadb, src.version_tuple = False, (5, 0, 96)  # no server-side limit on MySQL 5.0
    try:
        heavy = Stmt(
            f"SELECT COUNT(*) FROM {TABLE} a, {TABLE} b, {TABLE} c, {TABLE} d "
            "WHERE a.holdtime + b.holdtime + c.holdtime + d.holdtime = -1",
            [],
            "cross join",
        )
        assert src._limited(heavy.sql) == heavy.sql
        with pytest.raises(QueryTimeout):
            src.execute(heavy)
        assert src.execute(Stmt(f"SELECT COUNT(*) FROM {TABLE}", []))[0][0] == len(rows)
        src.mariadb, src.version_tuple = False, (8, 0, 20)
        assert "MAX_EXECUTION_TIME(1000)" in src._limited("SELECT 1")
    finally:
        src.close()
