"""Shared fixtures: the real MariaDB at 127.0.0.1:3306, required in CI, optional on a laptop."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest

MYSQL_HOST = os.environ.get("DROPWIZARD_TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("DROPWIZARD_TEST_MYSQL_PORT", "3306"))
MYSQL_USER = os.environ.get("DROPWIZARD_TEST_MYSQL_USER", "root")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _need(reason: str) -> None:
    """Skip on a laptop; fail in CI, where every test must run."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if not path:
        _need(f"{name} is not installed (apt-get install it, or run ./scripts/test as root)")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def mysql_server() -> dict[str, object]:
    """Connection parameters of the test MariaDB (root, empty password)."""
    import pymysql

    params: dict[str, object] = {"host": MYSQL_HOST, "port": MYSQL_PORT, "user": MYSQL_USER, "password": ""}
    try:
        conn = pymysql.connect(connect_timeout=3, **params)  # type: ignore[arg-type]
    except pymysql.MySQLError as exc:
        _need(f"MariaDB is not reachable at {MYSQL_HOST}:{MYSQL_PORT} ({exc}); ./scripts/test starts it")
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
