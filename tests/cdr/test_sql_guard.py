"""The read-only guard and the table-name check never let anything else through."""

from __future__ import annotations

import pytest

from dropwizard.cdr.schema import ColumnMap, check_table
from dropwizard.cdr.sql import Filter, UnsafeStatement, guard, profile
from dropwizard.errors import InputError


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM e_cdr",
        "SELECT 1; DROP TABLE e_cdr",
        "UPDATE e_cdr SET holdtime = 0",
        "SELECT * FROM e_cdr INTO OUTFILE '/tmp/x'",
        "SELECT LOAD_FILE('/etc/passwd')",
        "SELECT 1 /* hidden */",
        "SELECT 1 -- trailing",
        "SET GLOBAL max_connections = 1",
        "KILL 1",
        "  insert into e_cdr values (1)",
        "SELECT * FROM e_cdr FOR UPDATE",
        "",
        "CALL proc()",
    ],
)
def test_guard_refuses(sql: str) -> None:
    with pytest.raises(UnsafeStatement):
        guard(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "SHOW TABLES LIKE 'e\\_cdr%'",
        "SHOW COLUMNS FROM e_cdr_20261127",
        "SELECT holdtime FROM e_cdr WHERE sipreasonheader = 'DROP TABLE; --'",
    ],
)
def test_guard_allows_reads(sql: str) -> None:
    assert guard(sql) == sql


def test_every_builder_statement_passes_the_guard() -> None:
    from dropwizard.cdr import sql as s
    from dropwizard.cdr.demo import COLUMNS

    cm = ColumnMap.detect(COLUMNS)
    f = Filter(1, 2, "x' OR '1'='1", ("e_cdr_20261127",))
    filtered = [
        profile(cm, "e_cdr", f, mysql=True),
        s.timeline(cm, "e_cdr", f, 300000, mysql=True),
        s.chains(cm, "e_cdr", f),
    ]
    others = [
        s.call_lookup(cm, "e_cdr", "86138' OR 1=1", 1, 2),
        s.bounds(cm, "e_cdr"),
        s.chain_lookup(cm, "e_cdr", [1, 2], 1, 2),
    ]
    for st in filtered + others:
        assert st is not None
        guard(st.sql)
        assert "' OR" not in st.sql
        assert st.sql.count("%s") == len(st.params)
    for st in filtered:
        assert "x' OR '1'='1" in st.params


@pytest.mark.parametrize("name", ["e_cdr", "e_cdr_20261127"])
def test_table_names_ok(name: str) -> None:
    assert check_table(name) == name


@pytest.mark.parametrize(
    "name", ["e_cdr_2026112", "e_cdr_20261127; DROP", "users", "e_cdrx", "E_CDR", "e_cdr_20261127 "]
)
def test_table_names_refused(name: str) -> None:
    with pytest.raises(InputError):
        check_table(name)
