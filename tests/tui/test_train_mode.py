"""Training mode: the explanation is open and the proposal stays hidden until the junior chooses."""

from __future__ import annotations

from textual.widgets import Collapsible, Static

from dropwizard.scope import Scope
from dropwizard.session import Session
from dropwizard.tui.factory import make_app
from dropwizard.tui.scenes import option_key
from dropwizard.tui.screens.wizard import WizardScreen

from .helpers import aio, settle, until


@aio
async def test_proposal_hidden_until_the_junior_chooses() -> None:
    s = Session.create(flow="call-drop", source="demo", scope=Scope(), mode="train")
    s.engine.choose("window")
    app = make_app(session=s, cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        wiz = app.screen
        assert wiz.mode == "train"
        assert not wiz.query_one("#explain", Collapsible).collapsed
        proposal = str(wiz.query_one("#proposal", Static).render())
        assert "Proposal hidden" in proposal
        assert s.engine.proposal is not None and s.engine.proposal.option
        assert "proposed" not in " ".join(
            str(o.prompt)
            for o in wiz.query_one("#options").options  # type: ignore[attr-defined]
        )
        proposed = s.engine.proposal.option
        opts = list(s.engine.current.ways_out())
        number = next(i for i, o in enumerate(opts, 1) if o.id == proposed)
        other = next(o for o in opts if o.id != proposed)
        await pilot.press(option_key(pilot, id=other.id))
        await settle(pilot)
        assert s.engine.path[-1].overridden
        toasts = [str(n.message) for n in app._notifications]
        assert any(f"evidence says {number} ({opts[number - 1].label})" in t for t in toasts)
