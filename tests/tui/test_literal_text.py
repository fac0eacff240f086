"""Text from the database, logs or captures is shown as typed, never read as markup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dropwizard.evidence import Evidence, Status
from dropwizard.gather import GatherContext
from dropwizard.scope import Scope
from dropwizard.session import Session
from dropwizard.tui.factory import make_app
from dropwizard.tui.screens.evidence import EvidenceScreen
from dropwizard.tui.screens.wizard import WizardScreen

from .helpers import aio, registry_with, screen_text, settle, until

NASTY = "[bold red]gw[/] [link=http://x]A[/link] \\[x] [$accent]y"


def hostile(ctx: GatherContext, params: Mapping[str, Any]) -> Evidence:
    """Evidence whose every text field holds markup."""
    return Evidence(
        "cdr.causes",
        "cdr",
        f"SELECT '{NASTY}' FROM e_cdr_20261128",
        Status.ERROR,
        f"MySQL said: {NASTY}\x1b[2J",
        {"top_cause": 16},
        {"causes": [{"cause": NASTY, "calls": 3}]},
        raw=f"raw {NASTY}",
    )


@aio
async def test_markup_in_evidence_shows_literally() -> None:
    s = Session.create(
        flow="call-drop", source=None, scope=Scope(), registry=registry_with(cdr__causes=hostile)
    )
    s.engine.choose("window")
    app = make_app(session=s, cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        text = screen_text(app)
        assert "MySQL said: [bold red]gw[/] [link=http://x]A[/link]" in text
        assert "\x1b" not in text and "\ufffd" in text
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, EvidenceScreen))
        await settle(pilot)
        text = screen_text(app)
        assert f"SELECT '{NASTY}' FROM e_cdr_20261128" in text
        assert f"raw {NASTY}" in text
        assert NASTY in text
        assert "Evidence 1/" in text
        await pilot.press("right")
        await settle(pilot)
        assert "Evidence 2/" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
