"""Shared fixtures: the real MariaDB at 127.0.0.1:3306, required in CI, optional on a laptop."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from support import IN_CI, MYSQL_HOST, MYSQL_PORT, MYSQL_USER, need, require_binary

__all__ = ["IN_CI", "need", "require_binary"]

# CI runs the same examples every time, with no per-example deadline on a loaded machine;
# laptops explore.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def mysql_server() -> dict[str, object]:
    """Connection parameters of the test MariaDB (root, empty password)."""
    import pymysql

    params: dict[str, object] = {
        "host": MYSQL_HOST,
        "port": MYSQL_PORT,
        "user": MYSQL_USER,
        "password": "",
    }
    try:
        conn = pymysql.connect(connect_timeout=3, **params)  # type: ignore[arg-type]
    except pymysql.MySQLError as exc:
        need(
            f"MariaDB is not reachable at {MYSQL_HOST}:{MYSQL_PORT} ({exc}); ./scripts/test starts it"
        )
    conn.close()
    return params


@pytest.fixture
def mysql_db(mysql_server: dict[str, object]) -> Iterator[str]:
    """A fresh, uniquely named database, dropped afterwards."""
    import pymysql

    name = f"dwtest_{uuid.uuid4().hex[:10]}"
    conn = pymysql.connect(autocommit=True, **mysql_server)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8")
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()
