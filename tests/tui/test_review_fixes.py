"""Pilot checks of the wizard, start, diagnosis, evidence, help and transcript screens at the
sizes operators use: no crash on a stray digit, no proposal from a cancelled check, paths that
show their file name, keyboard scrolling, the evidence above the fold at 80x24, whole gateway
names, a cancellable open, Prev/Next in the footer, F1 closing help, training feedback in the
operator's terms, separated transcript columns."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import Collapsible, OptionList, Static

from dropwizard.scope import Scope
from dropwizard.session import Session
from dropwizard.tui.factory import make_app
from dropwizard.tui.scenes import option_key, press, to_diagnosis, to_step1, wait_for
from dropwizard.tui.screens.evidence import EvidenceScreen
from dropwizard.tui.screens.help import HelpScreen
from dropwizard.tui.screens.start import StartScreen
from dropwizard.tui.screens.transcript import TranscriptScreen, event_line
from dropwizard.tui.screens.wizard import WizardScreen
from dropwizard.tui.widgets.evidence_view import EvidenceCard
from dropwizard.tui.widgets.keybar import KeyBar

from .helpers import aio, registry_with, screen_text, settle, slow_gatherer, until


def _demo_app(**kw: Any) -> Any:
    return make_app(source="demo", source_locked=True, cursor_blink=False, **kw)


def _wizard(app: Any) -> WizardScreen:
    return next(s for s in app.screen_stack if isinstance(s, WizardScreen))


def _text(widget: Any) -> str:
    return str(widget.render())


def _option_prompts(wiz: WizardScreen) -> list[str]:
    ol = wiz.query_one("#options", OptionList)
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


# 1 ------------------------------------------------------------------ digits past the options


@aio
async def test_a_digit_past_the_last_option_rings_the_bell() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        await settle(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        wiz = _wizard(app)
        node = wiz.engine.current.id
        n = len(wiz.engine.current.ways_out())
        assert n < 9
        bells: list[bool] = []
        app.bell = lambda: bells.append(True)  # type: ignore[method-assign]
        await press(pilot, "9")
        assert bells == [True]
        assert app.screen is wiz and wiz.engine.current.id == node
        assert app._exception is None
        await press(pilot, "1")
        assert wiz.engine.current.id != node


# 2 ------------------------------------------------------------------ cancelled check


@aio
async def test_a_cancelled_check_proposes_nothing_until_it_is_rerun() -> None:
    reg = registry_with(cdr__durations=slow_gatherer(1.5, "cdr.durations"))
    app = _demo_app(registry=reg, offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        await settle(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        wiz = _wizard(app)
        await pilot.press("enter")
        await until(pilot, lambda: wiz.gathering and wiz._live.get("cdr.causes") is not None)
        await pilot.press("escape")
        await until(pilot, lambda: not wiz.gathering, timeout=5)
        await settle(pilot)
        proposal = _text(wiz.query_one("#proposal", Static))
        assert "Check cancelled" in proposal and "evidence incomplete" in proposal
        assert "Proposed" not in proposal
        assert not any("proposed" in p for p in _option_prompts(wiz))
        assert wiz._proposal is None and wiz.engine.proposal is None
        assert "Check cancelled" in _text(wiz.query_one("#status"))
        assert "Check cancelled" in screen_text(app)
        await pilot.press("r")
        await until(pilot, lambda: wiz.gathering)
        await until(pilot, lambda: not wiz.gathering, timeout=10)
        await settle(pilot)
        assert "Check cancelled" not in _text(wiz.query_one("#proposal", Static))
        assert "Check cancelled" not in _text(wiz.query_one("#status"))


# 3 ------------------------------------------------------------------ paths on one line


@aio
async def test_saved_paths_show_their_file_name_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deep = tmp_path / ("operator-data-" + "x" * 40) / "dropwizard" / "state"
    monkeypatch.setenv("DROPWIZARD_DATA_DIR", str(deep))
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_diagnosis(pilot)
        wiz = _wizard(app)
        for key, what, name in (
            ("m", "Saved markdown: ", "markdown.md"),
            ("c", "Copied ticket (OSC 52), saved: ", "ticket.txt"),
        ):
            await press(pilot, key)
            status = app.screen.query_one("#diag-status")
            path = deep / "exports" / f"{wiz.transcript_path.stem}.{name}"
            assert path.is_file() and len(str(path)) > 80
            line = _text(status)
            assert line.startswith(what) and line.endswith(path.name)
            assert len(line) <= status.content_size.width
            assert path.name in screen_text(app)
        await press(pilot, "escape")
        line = _text(wiz.query_one("#status"))
        assert line.startswith("Saved ticket: ") and line.endswith(".ticket.txt")
        assert len(line) <= 78
        await press(pilot, "t")
        assert isinstance(app.screen, TranscriptScreen)
        line = _text(app.screen.query_one("#tr-path"))
        assert line.endswith(wiz.transcript_path.name) and len(line) <= 78
        assert wiz.transcript_path.name in screen_text(app)


def test_short_path_keeps_the_file_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from dropwizard.tui.text import short_path

    monkeypatch.setenv("HOME", "/home/noc")
    name = "20261128T140500Z-abcdef.markdown.md"
    assert short_path(f"/home/noc/.local/share/dropwizard/exports/{name}", 80) == (
        f"~/.local/share/dropwizard/exports/{name}"
    )
    cut = short_path(f"/home/noc/.local/share/dropwizard/exports/{name}", 50)
    assert len(cut) == 50 and cut.startswith("~/.local") and cut.endswith("…/" + name)
    assert short_path("/tmp/a.txt", 50) == "/tmp/a.txt"


# 4 ------------------------------------------------------------------ diagnosis scrolling


@aio
async def test_diagnosis_scrolls_by_keyboard_from_the_first_focus() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_diagnosis(pilot)
        body = app.screen.query_one("#diag-body")
        assert body.max_scroll_y > 0
        await press(pilot, "pagedown")
        assert body.scroll_y > 0
        await press(pilot, "end")
        assert body.scroll_y == body.max_scroll_y
        await press(pilot, "tab")
        assert app.focused is not None and app.focused.id == "exp-ticket"
        await press(pilot, "home")
        assert body.scroll_y == 0
        await press(pilot, "pagedown")
        assert body.scroll_y > 0
        bar = _text(app.screen.query_one(KeyBar))
        for label in ("k Ticket", "m Markdown", "j JSON", "c Copy"):
            assert label in bar


# 5 ------------------------------------------------------------------ 80x24 layout


def _visible(widget: Any, container: Any) -> Region:
    return widget.region.intersection(container.content_region)


async def _check_step1_fits(app: Any) -> None:
    wiz = _wizard(app)
    evidence = wiz.query_one("#evidence")
    card = next(c for c in wiz.query(EvidenceCard) if c.ev.name == "cdr.causes")
    shown = _visible(card, evidence)
    assert shown.y == card.region.y
    assert shown.height >= 5, "headline, table head and the first row of cdr.causes"
    proposal = wiz.query_one("#proposal")
    options = wiz.query_one("#options")
    bottom = app.size.height - 2  # status line and key bar
    assert proposal.region.height >= 2 and proposal.region.bottom <= bottom
    assert "Propos" in _text(proposal)
    n = len(wiz.engine.current.ways_out())
    assert options.region.height >= min(n, 5) and options.region.bottom <= bottom
    assert proposal.region.y >= evidence.region.bottom
    text = screen_text(app)
    assert "cdr.causes" in text and "33412 calls" in text


@aio
async def test_step1_at_80x24_shows_evidence_proposal_and_options() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await _check_step1_fits(app)
        await press(pilot, "w")
        assert not _wizard(app).query_one("#explain", Collapsible).collapsed
        await _check_step1_fits(app)


@aio
async def test_training_step1_at_80x24_keeps_the_evidence_in_view() -> None:
    app = _demo_app(mode="train")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        wiz = _wizard(app)
        assert wiz.mode == "train"
        assert not wiz.query_one("#explain", Collapsible).collapsed
        await _check_step1_fits(app)


# 6 ------------------------------------------------------------------ whole gateway names


@pytest.mark.parametrize("width", [200, 80])
@aio
async def test_findings_card_shows_whole_gateway_names(width: int) -> None:
    app = _demo_app()
    async with app.run_test(size=(width, 50)) as pilot:
        await to_step1(pilot)
        wiz = _wizard(app)
        card = next(c for c in wiz.query(EvidenceCard) if c.ev.name == "cdr.findings")
        wiz.query_one("#evidence").scroll_to_widget(card, animate=False, top=True)
        await pilot.pause()
        text = screen_text(app)
        gateways = {f.get("gateway") for f in card.ev.data["findings"]}
        assert {"CUST-Kingcall-NAT", "PRV-Zetta-Route2", "PRV-TeleCC-Direct"} <= gateways
        for gw in gateways:
            assert f" {gw} " in f" {text} ", gw
        assert "v shows all" in text


# 7 ------------------------------------------------------------------ cancellable open


@pytest.fixture
def held_open(monkeypatch: pytest.MonkeyPatch) -> dict[str, threading.Event]:
    """`open_source` held until `release` is set (as a 20 s CSV load would be)."""
    import dropwizard.cdr as cdr

    real = cdr.open_source
    events = {
        "entered": threading.Event(),
        "release": threading.Event(),
        "returned": threading.Event(),
    }

    def held(spec: str, config: Any = None) -> Any:
        events["entered"].set()
        events["release"].wait(20)
        try:
            return real(spec, config)
        finally:
            events["returned"].set()

    monkeypatch.setattr(cdr, "open_source", held)
    return events


def _open_finished(start: StartScreen, events: dict[str, threading.Event]) -> None:
    """Release the held open and wait until whatever it does next is done."""
    events["release"].set()
    assert events["returned"].wait(20)
    thread = getattr(start, "opening", None)
    if thread is not None:
        thread.join(20)
        assert not thread.is_alive()
    else:
        time.sleep(1.0)


def _sessions(data: Path) -> list[Path]:
    return sorted((data / "sessions").glob("*")) if (data / "sessions").exists() else []


@aio
async def test_esc_cancels_a_slow_open_and_nothing_is_saved(
    held_open: dict[str, threading.Event], clean_env: Path
) -> None:
    app = _demo_app(offer_resume=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        start = app.screen
        assert isinstance(start, StartScreen)
        await pilot.press("f5")
        await until(pilot, lambda: held_open["entered"].is_set())
        assert start.busy
        assert "esc Cancel" in _text(start.query_one(KeyBar))
        await pilot.press("escape")
        await until(pilot, lambda: not start.busy, timeout=1)
        assert "Cancelled" in _text(start.query_one("#start-error"))
        _open_finished(start, held_open)
        await pilot.pause(0.1)
        assert app.screen is start
        assert _sessions(clean_env) == []
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        assert len(_sessions(clean_env)) == 1


@aio
async def test_quitting_during_a_slow_open_leaves_no_session(
    held_open: dict[str, threading.Event], clean_env: Path
) -> None:
    app = _demo_app(offer_resume=False)
    t0 = 0.0
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        start = app.screen
        assert isinstance(start, StartScreen)
        await pilot.press("f5")
        await until(pilot, lambda: held_open["entered"].is_set())
        t0 = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - t0 < 5, "quitting waited for the open"
    _open_finished(start, held_open)
    assert _sessions(clean_env) == []


# 8 ------------------------------------------------------------------ Prev/Next in the footer


@aio
async def test_evidence_detail_footer_shows_prev_and_next() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await press(pilot, "v")
        screen = app.screen
        assert isinstance(screen, EvidenceScreen) and len(screen.evidence) > 1
        active = screen.active_bindings
        assert active["left"].binding.action == "step(-1)" and active["left"].binding.show
        assert active["right"].binding.action == "step(1)" and active["right"].binding.show
        bar = _text(screen.query_one(KeyBar))
        assert "Prev" in bar and "Next" in bar
        await press(pilot, "right")
        assert screen.index == 1
        await press(pilot, "left")
        assert screen.index == 0


# 9 ------------------------------------------------------------------ F1 closes help


@aio
async def test_f1_closes_help() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await press(pilot, "f1")
        assert isinstance(app.screen, HelpScreen)
        await press(pilot, "f1")
        assert isinstance(app.screen, WizardScreen)


# 10 ----------------------------------------------------------------- training feedback


@aio
async def test_training_feedback_names_the_option_and_a_decided_step_shows_its_proposal() -> None:
    s = Session.create(flow="call-drop", source="demo", scope=Scope(), mode="train")
    s.engine.choose("window")
    app = make_app(session=s, cursor_blink=False, offer_resume=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        wiz = _wizard(app)
        assert "Proposal hidden" in _text(wiz.query_one("#proposal", Static))
        proposed = s.engine.proposal.option
        opts = list(s.engine.current.ways_out())
        number = next(i for i, o in enumerate(opts, 1) if o.id == proposed)
        label = opts[number - 1].label
        other = next(o for o in opts if o.id != proposed)
        await press(pilot, option_key(pilot, id=other.id))
        toasts = [str(n.message) for n in app._notifications]
        assert any(f"the evidence says {number} ({label})" in t for t in toasts), toasts
        assert not any(f"says {proposed}." in t for t in toasts)
        await press(pilot, "b")
        assert s.engine.current.id == "step1"
        proposal = _text(wiz.query_one("#proposal", Static))
        assert proposal.startswith(f"Proposed: {number}")
        assert "◀ proposed" in _option_prompts(wiz)[number - 1]
        before = len(app._notifications)
        await press(pilot, option_key(pilot, id=proposed))
        assert len(app._notifications) == before, "no verdict twice for the same step"


# 11 ----------------------------------------------------------------- transcript columns


def test_event_kind_and_body_are_separated() -> None:
    line = str(
        event_line({"type": "session_started", "flow": "call-drop", "flow_version": 1}, None)
    )
    assert "session_started  flow call-drop v1" in line
    short = str(event_line({"type": "back", "from": "step2", "to": "step1"}, None))
    assert short.index("step2") == line.index("flow")


@aio
async def test_transcript_lines_keep_kind_and_body_apart() -> None:
    app = _demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await to_step1(pilot)
        await press(pilot, "t")
        assert isinstance(app.screen, TranscriptScreen)
        first = _text(app.screen.query(".ev-session_started").first())
        assert "session_started  flow call-drop" in first
        assert "session_startedflow" not in screen_text(app)
