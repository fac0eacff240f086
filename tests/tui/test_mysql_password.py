"""A MySQL source typed on the start form: the password is asked inside the app, never by getpass."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Select, Static

from dropwizard.tui.factory import make_app
from dropwizard.tui.screens.password import PasswordScreen
from dropwizard.tui.screens.start import OTHER_MYSQL, StartScreen
from dropwizard.tui.screens.wizard import WizardScreen

from .helpers import aio, settle, until

SCHEMA = Path(__file__).resolve().parents[2] / "dropwizard" / "cdr" / "vos3000-schema.sql"


@pytest.fixture
def cdr_user(mysql_server: dict[str, Any], mysql_db: str) -> Iterator[tuple[str, str]]:
    """A user with a password and SELECT on a database holding one empty daily CDR table."""
    import pymysql

    ddl = re.search(r"CREATE TABLE `e_cdr` \(.*?\)[^;]*;", SCHEMA.read_text(), re.S)
    assert ddl, "the VOS3000 schema file lost its e_cdr table"
    user, password = f"dw{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    conn = pymysql.connect(autocommit=True, database=mysql_db, **mysql_server)  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute(ddl.group(0).replace("`e_cdr`", "`e_cdr_20261127`", 1))
        cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        cur.execute(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'")
        cur.execute(f"GRANT SELECT ON `{mysql_db}`.* TO '{user}'@'%'")
        cur.execute(f"GRANT SELECT ON `{mysql_db}`.* TO '{user}'@'localhost'")
    try:
        yield user, password
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
            cur.execute(f"DROP USER IF EXISTS '{user}'@'localhost'")
        conn.close()


@aio
async def test_password_asked_in_a_dialog_then_the_session_opens(
    cdr_user: tuple[str, str],
    mysql_server: dict[str, Any],
    mysql_db: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.my.cnf password
    user, password = cdr_user
    uri = f"mysql://{user}@{mysql_server['host']}:{mysql_server['port']}/{mysql_db}"
    app = make_app(cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        start = app.screen
        start.query_one("#source", Select).value = OTHER_MYSQL
        await pilot.pause()
        start.query_one("#source-other", Input).focus()
        await pilot.press(*uri, "enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordScreen), timeout=30)
        assert "access denied" in str(start.query_one("#start-error", Static).render())
        await pilot.press(*password, "enter")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen), timeout=30)
        await settle(pilot)
        wiz = app.screen
        assert wiz.ctx.source.kind == "mysql"
        assert password not in wiz.transcript_path.read_text()
