"""Pilot walks over the demo data: start to diagnosis, overrides, back, notes, exports, copy."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from textual.widgets import Input, RadioSet, Static

from dropwizard.transcript.export import export_text
from dropwizard.transcript.log import read_events
from dropwizard.tui.factory import make_app
from dropwizard.tui.scenes import option_key, press, to_diagnosis, to_step1, wait_for
from dropwizard.tui.screens.diagnosis import DiagnosisScreen
from dropwizard.tui.screens.start import StartScreen
from dropwizard.tui.screens.transcript import TranscriptScreen
from dropwizard.tui.screens.wizard import WizardScreen

from .helpers import aio, screen_text, settle, until


def _events(app: Any) -> list[dict[str, Any]]:
    wiz = next(s for s in app.screen_stack if isinstance(s, WizardScreen))
    events, warnings = read_events(wiz.transcript_path)
    assert warnings == []
    return events


def _wizard(app: Any) -> WizardScreen:
    return next(s for s in app.screen_stack if isinstance(s, WizardScreen))


def _demo_app(**kw: Any) -> Any:
    return make_app(source="demo", source_locked=True, cursor_blink=False, **kw)


@aio
async def test_accepting_every_proposal_reaches_a_diagnosis() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_diagnosis(pilot)
        assert isinstance(app.screen, DiagnosisScreen)
        eng = _wizard(app).engine
        assert eng.finished and eng.findings
        assert all(step.by == "operator" and not step.overridden for step in eng.path)
        shown = [w for w in app.screen.query(".finding")]
        assert len(shown) == len(eng.findings)
        events = _events(app)
        assert events[-1]["type"] == "end"
        assert [e["type"] for e in events].count("override") == 0
        assert {e["node"] for e in events if e["type"] == "evidence"} >= {"step1"}


@aio
async def test_override_then_go_back() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        wiz = _wizard(app)
        screen = app.screen.region
        for sel in ("#node-title", "#question", "#evidence", "#proposal", "#options", "KeyBar"):
            region = wiz.query_one(sel).region
            assert region.height > 0 and screen.contains_region(region), sel
        proposed = wiz.engine.proposal.option
        assert proposed, "the demo data should decide step 1"
        other = next(o for o in wiz.engine.current.ways_out() if o.id != proposed)
        await press(pilot, option_key(pilot, id=other.id))
        assert wiz.engine.path[-1].option == other.id
        assert wiz.engine.path[-1].overridden
        assert wiz.engine.current.id == other.next
        over = [e for e in _events(app) if e["type"] == "override"]
        assert over and over[-1]["proposed"] == proposed and over[-1]["chosen"] == other.id
        await press(pilot, "b")
        assert wiz.engine.current.id == "step1"
        back = [e for e in _events(app) if e["type"] == "back"]
        assert back[-1] == {**back[-1], "from": other.next, "to": "step1"}
        ol = wiz.query_one("#options")
        assert ol.display and ol.highlighted == [o.id for o in wiz.engine.current.ways_out()].index(
            proposed
        )
        await press(pilot, "enter")
        assert wiz.engine.path[-1].option == proposed
        assert not wiz.engine.path[-1].overridden


@aio
async def test_note_is_saved_and_shown_in_the_transcript() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await press(pilot, "n")
        await pilot.press(*"caller says [red]silence[/red] before the drop")
        await press(pilot, "enter")
        notes = [e for e in _events(app) if e["type"] == "note"]
        assert notes == [notes[0]]
        assert notes[0]["node"] == "step1"
        assert notes[0]["text"] == "caller says [red]silence[/red] before the drop"
        await press(pilot, "t")
        assert isinstance(app.screen, TranscriptScreen)
        lines = [str(s.render()) for s in app.screen.query(".ev-note").results(Static)]
        assert any("caller says [red]silence[/red] before the drop" in x for x in lines)
        await press(pilot, "n")
        await pilot.press(*"second")
        await press(pilot, "enter")
        lines = [str(s.render()) for s in app.screen.query(".ev-note").results(Static)]
        assert len(lines) == 2 and "second" in lines[1]


@aio
async def test_exports_and_ticket_copy(clean_env: Path) -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        writes: list[str] = []
        driver = app._driver
        assert driver is not None
        real_write = driver.write
        driver.write = lambda data: (writes.append(data), real_write(data))[1]  # type: ignore[method-assign]
        await to_diagnosis(pilot)
        wiz = _wizard(app)
        for key, fmt in (("k", "ticket"), ("m", "markdown"), ("j", "json")):
            await press(pilot, key)
            ext = {"ticket": "txt", "markdown": "md", "json": "json"}[fmt]
            path = clean_env / "exports" / f"{wiz.transcript_path.stem}.{fmt}.{ext}"
            assert path.is_file(), path
            events, _ = read_events(wiz.transcript_path)
            assert path.read_text() == export_text(events, fmt)
            status = app.screen.query_one("#diag-status", Static)
            assert status.path == path  # type: ignore[attr-defined]
            assert str(status.render()).endswith(path.name)
        json.loads((clean_env / "exports" / f"{wiz.transcript_path.stem}.json.json").read_text())
        await press(pilot, "c")
        osc = [w for w in writes if w.startswith("\x1b]52;c;")]
        assert len(osc) == 1
        copied = base64.b64decode(osc[0][len("\x1b]52;c;") : -1]).decode()
        ticket = clean_env / "exports" / f"{wiz.transcript_path.stem}.ticket.txt"
        assert copied == ticket.read_text() == app.clipboard
        assert "Copied ticket" in str(app.screen.query_one("#diag-status", Static).render())


@aio
async def test_gateway_scope_from_the_start_form() -> None:
    app = make_app(cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        start = app.screen
        start.query_one("#scope-kind", RadioSet).query_one("#kind-gateway").value = True
        await pilot.pause()
        assert start.query_one("#gateway-row").display
        start.query_one("#gateway", Input).focus()
        await pilot.press(*"PRV-TeleCC-Direct", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        wiz = app.screen
        assert wiz.ctx.scope.kind == "gateway" and wiz.ctx.scope.gateway == "PRV-TeleCC-Direct"
        assert wiz.engine.proposal.option == "gateway"


@aio
async def test_bad_call_spec_is_a_one_line_error_on_the_form() -> None:
    app = make_app(cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        start = app.screen
        start.query_one("#kind-call").value = True
        await pilot.pause()
        start.query_one("#call", Input).focus()
        await pilot.press(*"8613800138000", "enter")
        await pilot.pause()
        assert isinstance(app.screen, StartScreen)
        err = str(start.query_one("#start-error", Static).render())
        assert "NUMBER@TIME" in err and "\n" not in err.strip()


@aio
async def test_remapped_key_from_config() -> None:
    app = _demo_app(keymap={"wizard.back": "left"})
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        wiz = _wizard(app)
        await press(pilot, "b")
        assert wiz.engine.current.id == "step1"
        await press(pilot, "left")
        assert wiz.engine.current.id == "start"


@aio
async def test_palette_goes_back_to_a_visited_node() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await press(pilot, option_key(pilot, next="step2"))
        wiz = _wizard(app)
        assert wiz.engine.current.id == "step2"
        await pilot.press("ctrl+p")
        await pilot.press(*"visited start")
        await until(pilot, lambda: "Call Drop Reported (start)" in screen_text(app))
        await pilot.press("enter")
        await until(pilot, lambda: wiz.engine.current.id == "start")
        await settle(pilot)
        assert [e for e in _events(app) if e["type"] == "back"][-1]["to"] == "start"


@aio
async def test_provider_path_reaches_a_different_diagnosis() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await press(pilot, option_key(pilot, next="step3"))
        wiz = _wizard(app)
        cards = [c.ev.name for c in wiz.query("EvidenceCard")]  # type: ignore[attr-defined]
        assert "cdr.providers" in cards
        for _ in range(10):
            if isinstance(app.screen, DiagnosisScreen):
                break
            await press(pilot, "enter")
        assert isinstance(app.screen, DiagnosisScreen)
        ids = [f.id for f in wiz.engine.findings]
        assert "provider_rejection" in ids
        assert [s.node for s in wiz.engine.path][:3] == ["start", "step1", "step3"]
