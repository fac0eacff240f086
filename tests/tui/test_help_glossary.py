"""F1 then g opens the glossary from the diagnosis wizard, not only in training."""

from __future__ import annotations

from dropwizard.tui.factory import make_app
from dropwizard.tui.scenes import to_step1
from dropwizard.tui.screens.glossary import GlossaryScreen
from dropwizard.tui.screens.help import HelpScreen

from .helpers import aio, screen_text, settle, until


@aio
async def test_f1_then_g_opens_the_glossary() -> None:
    app = make_app(source="demo", source_locked=True, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GlossaryScreen))
        await settle(pilot)
        assert "Q.850" in screen_text(app)
