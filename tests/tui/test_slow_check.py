"""A slow check never freezes input, and Esc cancels it."""

from __future__ import annotations

from dropwizard.evidence import Status
from dropwizard.scope import Scope
from dropwizard.session import Session
from dropwizard.tui.factory import make_app
from dropwizard.tui.screens.help import HelpScreen
from dropwizard.tui.screens.wizard import WizardScreen
from dropwizard.tui.widgets.evidence_view import RunningCard

from .helpers import aio, registry_with, send_key, settle, slow_gatherer, until

SOURCE = "demo"


def _session() -> Session:
    reg = registry_with(cdr__causes=slow_gatherer(5.0))
    s = Session.create(flow="call-drop", source=SOURCE, scope=Scope(), registry=reg)
    s.engine.choose("window")
    return s


@aio
async def test_key_during_a_five_second_check_is_handled_at_once() -> None:
    session = _session()
    app = make_app(session=session, cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        wiz = app.screen
        assert isinstance(wiz, WizardScreen)
        await until(pilot, lambda: wiz.gathering and bool(wiz.query(RunningCard)))
        send_key(app, "f1")
        took = await until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=1.0)
        assert took < 1.0
        assert wiz.gathering, "the check should still be running"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is wiz, timeout=1.0)
        assert wiz.gathering
        src = session.ctx.source
        kills: list[bool] = []
        real_cancel = src.cancel
        src.cancel = lambda: (kills.append(True), real_cancel())[1]
        send_key(app, "escape")
        await until(pilot, lambda: not wiz.gathering, timeout=2.0)
        await until(pilot, lambda: kills == [True], timeout=2.0)
        await settle(pilot)
        evs = session.engine.evidence["step1"]
        causes = next(e for e in evs if e.name == "cdr.causes")
        assert causes.status is Status.SKIPPED
        assert "cancelled" in causes.summary
        assert wiz.query_one("#options").display
        await pilot.press("1")
        await settle(pilot)
        assert session.engine.current.id != "step1"
    events = [line for line in session.transcript_path.read_text().splitlines()]
    assert any('"cancelled by the operator"' in line for line in events)
    assert any('"type": "choice"' in line for line in events)


@aio
async def test_digit_during_a_check_cancels_it_then_chooses() -> None:
    session = _session()
    app = make_app(session=session, cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        wiz = app.screen
        assert isinstance(wiz, WizardScreen)
        await until(pilot, lambda: wiz.gathering)
        send_key(app, "2")
        await until(pilot, lambda: session.engine.current.id != "step1", timeout=2.0)
        assert session.engine.path[-1].node == "step1"
        assert session.engine.path[-1].option == "cause16"
