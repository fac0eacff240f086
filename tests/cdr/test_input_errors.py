"""Bad input to `analyze`: one line naming the file/line or host and a fix, exit 2, no traceback."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pymysql
import pytest
from cdrdays import DAY, load_mysql, rows_for

from dropwizard.cdr import duck as duckmod
from dropwizard.cdr import mysql as mysqlmod
from dropwizard.cdr.analytics import iso_ms
from dropwizard.cdr.demo import GENERATED
from dropwizard.cdr.duck import DuckSource
from dropwizard.cdr.mysql import MysqlSource
from dropwizard.cli import main
from dropwizard.errors import InputError

IX = {c: i for i, c in enumerate(GENERATED)}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(code: int, out: str, err: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1, (code, err)
    assert "Traceback" not in err
    return lines[0]


def csv_bytes(rows: list[Any], header: list[str] = GENERATED) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def whole_lines(truncated_gz: bytes) -> int:
    """Complete lines in what can be decompressed of a cut .gz."""
    return zlib.decompressobj(wbits=31).decompress(truncated_gz).count(b"\n")


# 1. truncated .csv.gz ------------------------------------------------------------------------
def test_truncated_gzip_over_a_mebibyte_keeps_the_rows_before_the_cut(tmp_path, capsys) -> None:
    rows = rows_for(31, calls=15000)
    whole = gzip.compress(csv_bytes(rows), 6)
    assert len(whole) > 1 << 20
    cut = whole[:1_000_000]
    path = tmp_path / "trunc.csv.gz"
    path.write_bytes(cut)
    lines = whole_lines(cut)
    assert 1 < lines < len(rows)

    src = DuckSource.from_csv(path)
    assert src.rows == lines - 1
    src.close()

    code, out, err = run(capsys, "--source", str(path), "--format", "json")
    assert code == 0 and "Traceback" not in err
    rep = json.loads(out)
    assert rep["totals"]["calls"] == lines - 1
    note = next(n for n in rep["notes"] if "truncated" in n)
    assert str(path) in note and f"after line {lines}" in note
    assert f"dropwizard: note: {note}" in err


def test_small_truncated_gzip_is_read_up_to_the_cut(tmp_path, capsys) -> None:
    data = csv_bytes(rows_for(32, calls=300))
    whole = gzip.compress(data, 0)  # stored blocks: the cut falls at a known byte
    cut = whole[: 10 + len(data) // 2]
    path = tmp_path / "small.csv.gz"
    path.write_bytes(cut)
    lines = data[: len(data) // 2].count(b"\n")
    code, out, err = run(capsys, "--source", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["totals"]["calls"] == lines - 1
    assert "truncated after line" in err


def test_gzip_cut_inside_the_first_row_is_an_error(tmp_path, capsys) -> None:
    data = csv_bytes(rows_for(33, calls=5))
    first_row_end = data.index(b"\n", data.index(b"\n") + 1)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(data, 0)[: 10 + first_row_end - 5])
    line = one_line_error(*run(capsys, "--source", str(path)))
    assert str(path) in line and "truncated" in line and "copy the export again" in line


def test_truncated_gbk_gzip_keeps_the_rows_before_the_cut(tmp_path, capsys) -> None:
    rows = rows_for(34, calls=600, rename={"CUST-Globtel": "北京客户"})
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(GENERATED)
    w.writerows(rows)
    data = buf.getvalue().encode("gbk")
    path = tmp_path / "gbk.csv.gz"
    path.write_bytes(gzip.compress(data, 0)[: 10 + len(data) * 2 // 3])
    lines = data[: len(data) * 2 // 3].count(b"\n")
    code, out, err = run(capsys, "--source", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["totals"]["calls"] == lines - 1
    assert "GBK" in err and f"truncated after line {lines}" in err


def test_large_truncated_gzip_still_finds_one_call(tmp_path, monkeypatch) -> None:
    from dropwizard.cdr.service import lookup_call
    from dropwizard.scope import parse_time

    monkeypatch.setattr(duckmod, "LAZY_ROWS_BYTES", 0)
    rows = rows_for(35, calls=2000)
    whole = gzip.compress(csv_bytes(rows), 6)
    path = tmp_path / "lazy.csv.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    src = DuckSource.from_csv(path)
    leg = rows[100]
    res = lookup_call(src, leg[IX["callere164"]], parse_time(iso_ms(leg[IX["starttime"]])))
    assert any(x["flowno"] == leg[IX["flowno"]] for x in res["legs"])
    src.close()


def test_not_gzip_names_the_file(tmp_path, capsys) -> None:
    path = tmp_path / "plain.csv.gz"
    path.write_bytes(csv_bytes(rows_for(36, calls=5)))
    line = one_line_error(*run(capsys, "--source", str(path)))
    assert str(path) in line and "not gzip" in line


# 2. times out of range -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["--since", "-999999999d"],
        ["--until", "-99999999999999999999w"],
        ["--since", "0001-01-01T00:00+01:00"],
        ["--call", "1@9999-12-31T23:59"],
        ["--call", "1@0001-01-01T00:00"],
    ],
)
def test_times_out_of_range_are_one_line(capsys, argv: list[str]) -> None:
    line = one_line_error(*run(capsys, "--source", "demo", *argv))
    assert "out of range" in line
    assert "ISO 8601" in line or "NUMBER@TIME" in line


@pytest.mark.mysql
def test_mysql_plan_at_the_ends_of_time(mysql_server, mysql_db, mysql_uri, capsys) -> None:
    rows = rows_for(37, calls=400)
    load_mysql(mysql_server, mysql_db, rows, f"e_cdr_{DAY:%Y%m%d}")
    src = MysqlSource(mysql_uri, prompt=False)
    try:
        low = datetime(1, 1, 1, tzinfo=timezone.utc)
        high = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
        assert [p.table for p in src.plan(low, high)] == [f"e_cdr_{DAY:%Y%m%d}"]
        assert src.plan(high.replace(year=9990), high) == []
        assert "9990-12-31 .. 9999-12-31" in src.notes[-1]
    finally:
        src.close()
    code, out, err = run(
        capsys, "--source", mysql_uri, "--since", "0001-01-01", "--until", "9999-12-31T23:59:59"
    )
    assert code == 0 and "Traceback" not in err
    code, out, _ = run(capsys, "--source", mysql_uri, "--since", "0001-01-01", "--format", "json")
    assert code == 0 and json.loads(out)["totals"]["calls"] == len(rows)


# 3. --max-seconds ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "nan", "1e12", "0", "-1", "86401", "1e-07"])
def test_max_seconds_must_be_finite_and_at_most_a_day(capsys, value: str) -> None:
    line = one_line_error(*run(capsys, "--source", "demo", "--max-seconds", value))
    assert "--max-seconds" in line and "0.1" in line and "86400" in line


def test_database_name_with_like_wildcards_is_matched_exactly(
    mysql_server, mysql_db, capsys
) -> None:
    """`_` in SHOW DATABASES LIKE is a wildcard: dwtest__... must not pass for dwtest_x...."""
    host, port, user = mysql_server["host"], mysql_server["port"], mysql_server["user"]
    wild = "dwtest_" + "_" * (len(mysql_db) - len("dwtest_"))
    code, _, err = run(capsys, "--source", f"mysql://{user}@{host}:{port}/{wild}")
    line = one_line_error(code, _, err)
    assert code == 2 and f"database '{wild}' does not exist" in line


def test_a_table_dropped_while_reading_is_one_line(mysql_server, mysql_db, monkeypatch) -> None:
    from dropwizard.cdr.base import SourceError
    from dropwizard.cdr.mysql import MysqlSource

    rows = rows_for(39, calls=50)
    load_mysql(mysql_server, mysql_db, rows, f"e_cdr_{DAY:%Y%m%d}")
    host, port, user = mysql_server["host"], mysql_server["port"], mysql_server["user"]
    src = MysqlSource(f"mysql://{user}@{host}:{port}/{mysql_db}", password="", prompt=False)
    try:
        with src.conn.cursor() as cur:
            cur.execute(f"DROP TABLE e_cdr_{DAY:%Y%m%d}")
        with pytest.raises(SourceError) as info:
            src.columns(f"e_cdr_{DAY:%Y%m%d}")
        assert "\n" not in str(info.value) and "doesn't exist" in str(info.value)
    finally:
        src.close()


def test_max_seconds_of_a_day_is_accepted(capsys) -> None:
    code, _, err = run(capsys, "--source", "demo", "--max-seconds", "86400", "--format", "json")
    assert code == 0 and err == ""


# 4. malformed CSV rows -----------------------------------------------------------------------
def test_every_row_malformed_is_an_error_naming_the_first(tmp_path, capsys) -> None:
    rows = [list(r) for r in rows_for(38, calls=50)]
    for r in rows:
        r[IX["holdtime"]] = "n/a"
    path = tmp_path / "allbad.csv"
    path.write_bytes(csv_bytes(rows))
    line = one_line_error(*run(capsys, "--source", str(path)))
    assert line.startswith(f"dropwizard: {path}: line 2: ")
    assert "holdtime" in line and "n/a" in line and str(len(rows)) in line
    assert "export the CDRs again" in line


def unterminated(tmp_path: Path) -> tuple[Path, int]:
    rows = [list(r) for r in rows_for(39, calls=120)]
    data = csv_bytes(rows[:99]) + b'8,garbage,"unterminated\n' + csv_bytes(rows[99:], [])[1:]
    path = tmp_path / "quote.csv"
    path.write_bytes(data)
    return path, len(rows)


def test_unterminated_quote_names_the_lines_it_swallows(tmp_path, capsys) -> None:
    path, n = unterminated(tmp_path)
    src = DuckSource.from_csv(path)
    assert src.rows == n - 1 and src.bad_count == 1
    assert src.bad_lines[0][0] == 101 and "through line 102" in src.bad_lines[0][1]
    src.close()
    code, _, err = run(capsys, "--source", str(path), "--format", "json")
    assert code == 0
    assert "at line(s) 101 (unterminated quote: the field runs on through line 102)" in err


def test_unterminated_quote_in_the_fallback_reader(tmp_path) -> None:
    path, _ = unterminated(tmp_path)
    _, bad, cut = duckmod._clean_copy(path, list(GENERATED), ",", tmp_path)
    assert cut is None and list(bad) == [101] and "through line 102" in bad[101]


# 5. access denied without a password (MariaDB 1698) -------------------------------------------
class FakeConn:
    def thread_id(self) -> int:
        return 1


def test_1698_prompts_and_names_the_fix(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("DROPWIZARD_MYSQL_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    calls: list[str] = []

    def refuse(**kw: Any) -> Any:
        calls.append(kw["password"])
        code = 1698 if len(calls) == 1 else 1045
        raise pymysql.err.OperationalError(code, "Access denied for user 'nobody'@'127.0.0.1'")

    asked: list[str] = []
    monkeypatch.setattr(mysqlmod.pymysql, "connect", refuse)
    monkeypatch.setattr(mysqlmod.getpass, "getpass", lambda p: asked.append(p) or "typed")
    with pytest.raises(InputError) as exc:
        MysqlSource("mysql://nobody@127.0.0.1:3306/x", prompt=True)
    assert asked and calls == ["", "typed"]
    assert "~/.my.cnf" in str(exc.value) and "DROPWIZARD_MYSQL_PASSWORD" in str(exc.value)

    calls.clear()
    with pytest.raises(InputError) as exc:
        MysqlSource("mysql://nobody@127.0.0.1:3306/x", prompt=False)
    assert calls == [""] and "access denied" in str(exc.value)
    assert "~/.my.cnf" in str(exc.value) and "unix_socket" in str(exc.value)


@pytest.mark.mysql
def test_unknown_user_on_the_server_gets_the_fix(
    mysql_server, mysql_db, monkeypatch, tmp_path, capsys
) -> None:
    monkeypatch.delenv("DROPWIZARD_MYSQL_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    uri = f"mysql://dw_nobody_{mysql_db[-6:]}@{mysql_server['host']}:{mysql_server['port']}/mysql"
    line = one_line_error(*run(capsys, "--source", uri))
    assert "access denied" in line and "~/.my.cnf" in line


# 6. a broken user flow -----------------------------------------------------------------------
BROKEN_FLOW = """\
id: call-drop
title: Broken override
version: 1
start: nosuch
nodes:
  a:
    type: ask
    title: A
"""


def test_broken_user_flow_is_noted_and_built_in_advice_used(tmp_path, monkeypatch, capsys):
    flows = tmp_path / "flows"
    flows.mkdir()
    bad = flows / "call-drop.yaml"
    bad.write_text(BROKEN_FLOW)
    monkeypatch.setenv("DROPWIZARD_FLOWS_PATH", str(flows))
    code, out, err = run(capsys, "--source", "demo", "--format", "json")
    assert code == 0
    notes = [ln for ln in err.splitlines() if str(bad) in ln]
    assert len(notes) == 1 and notes[0].startswith(f"dropwizard: note: {bad}:4: ")
    assert "built-in advice was used instead" in notes[0]
    rep = json.loads(out)
    assert any(str(bad) in n for n in rep["notes"])
    assert all(f["recommendations"] for f in rep["findings"])
    monkeypatch.delenv("DROPWIZARD_FLOWS_PATH")
    _, shipped, _ = run(capsys, "--source", "demo", "--format", "json")
    recs = {f["id"]: f["recommendations"] for f in json.loads(shipped)["findings"]}
    assert {f["id"]: f["recommendations"] for f in rep["findings"]} == recs


# 7. text at 80 columns ----------------------------------------------------------------------
def test_text_at_80_columns_shows_ids_times_and_gateways_whole(monkeypatch, capsys) -> None:
    from dropwizard.cdr.demo import DEMO_FAULTS, generate

    monkeypatch.setenv("COLUMNS", "80")
    rows = generate(faults=DEMO_FAULTS)
    leg = next(
        r for r in rows if r["calleegatewayid"] == "PRV-Zetta-Route2" and r["holdtime"] == 1768
    )
    spec = f"{leg['callere164']}@{iso_ms(leg['stoptime'])}"
    code, out, _ = run(capsys, "--source", "demo", "--call", spec)
    assert code == 0 and "…" not in out
    assert max(len(x) for x in out.splitlines()) <= 80
    for whole in (
        iso_ms(leg["starttime"]),
        iso_ms(leg["stoptime"]),
        leg["callergatewayid"],
        "PRV-Zetta-Route2",
        "provider_rejection",
        "session_timer_expiry",
        "PRV-TeleCC-Direct",
    ):
        assert whole in out, whole
    _, js, _ = run(capsys, "--source", "demo", "--call", spec, "--format", "json")
    for f in json.loads(js)["findings"]:
        assert f"│ {f['id']} " in out


def test_text_keeps_a_gateway_name_wider_than_the_table_whole() -> None:
    from rich.console import Console

    from dropwizard.commands.analyze import text

    name = "PRV-Very-Long-Provider-Gateway-Name-Of-Sixty-Cells-Wide-[x]"
    rep = {
        "source": "t.csv",
        "window": {"since": None, "until": None},
        "totals": {"calls": 1, "answered": 0, "failed": 1, "dropped": 0},
        "findings": [
            {
                "id": "provider_rejection",
                "title": "Rejections",
                "severity": "high",
                "confidence": 0.9,
                "gateway": name,
                "calls": 1,
                "evidence": ["e [1]"],
                "recommendations": ["r"],
            }
        ],
        "gateways": [
            {"side": "callee", "gateway": name, "calls": 1, "asr": 0, "acd_s": 0, "dropped": 0}
        ],
    }
    con = Console(width=80, file=io.StringIO(), color_system=None)
    text(rep, console=con)
    out = con.file.getvalue()
    assert out.count(name) == 2 and "provider_rejection" in out and "e [1]" in out
    assert "…" not in out


# 8. the MySQL port ---------------------------------------------------------------------------
@pytest.mark.parametrize("port", ["99999", "0", "65536", "abc"])
def test_port_out_of_range_says_the_range(capsys, port: str) -> None:
    line = one_line_error(*run(capsys, "--source", f"mysql://root@h:{port}/x"))
    assert "1 to 65535" in line
