"""The training screen on real scenarios: hidden proposal, judgement, retry, hints, score, report,
and the glossary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from dropwizard.training.glossary import entries
from dropwizard.tui.screens.evidence import EvidenceScreen
from dropwizard.tui.screens.glossary import GlossaryScreen
from dropwizard.tui.screens.training import TrainingHelpScreen, TrainingScreen
from dropwizard.tui.training import TrainingApp, make_training_app

from .helpers import aio, screen_text, until


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def phase(pilot: Pilot, *phases: str) -> TrainingScreen:
    app = pilot.app
    await until(
        pilot,
        lambda: isinstance(app.screen, TrainingScreen) and app.screen.phase in phases,
        timeout=30,
    )
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def pick(pilot: Pilot, screen: TrainingScreen, option_id: str) -> None:
    ids = [o.id for o in screen.run.options()]
    await pilot.press(str(ids.index(option_id) + 1))
    await phase(pilot, "judged")


@aio
async def test_wrong_choice_retry_hint_then_model_walk_score_and_report(clean_env: Path) -> None:
    app = make_training_app("provider-503-burst", cursor_blink=False, trainee="junior")
    assert isinstance(app, TrainingApp)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        scr = await phase(pilot, "deciding")
        run = scr.run
        first = run.current.id
        right = run.model_answer()
        assert right is not None
        wrong = next(o.id for o in run.options() if o.id != right)
        # the proposal stays hidden until the trainee chooses
        assert "Proposal hidden" in text_of(scr, "#t-hints")
        assert not scr.query_one("#t-verdict").display

        await pick(pilot, scr, wrong)
        j = scr.judgement
        assert j.correct is False and j.chosen == wrong and j.supported_option == right
        verdict = text_of(scr, "#t-verdict")
        assert "WRONG" in verdict and str(j.supported_label) in verdict
        assert "Points for this step: 0" in verdict
        assert run.score().wrong_attempts == 1
        assert scr.check_action("retry", ()) is True

        await pilot.press("r")
        await phase(pilot, "deciding")
        assert run.current.id == first
        left = run.hints_left()
        await pilot.press("h")
        await pilot.pause()
        assert len(scr.hints) == 1 and run.hints_left() == left - 1
        assert scr.hints[0][:30] in " ".join(text_of(scr, "#t-hints").split())
        assert f"-{run.rules.hint_cost} points" in text_of(scr, "#t-hints")
        assert run.score().hints == 1

        await pick(pilot, scr, right)
        assert scr.judgement.correct is True and "RIGHT" in text_of(scr, "#t-verdict")
        detailed = False
        while not run.finished:
            await pilot.press("c")
            scr = await phase(pilot, "deciding")
            visit = run.visits[-1]
            reason = " ".join((visit.proposal.reason or "").split())
            if reason:
                assert reason not in screen_text(app)
            if scr._live and not detailed:
                await pilot.press("v")  # the evidence detail of this step, then back
                await until(pilot, lambda: isinstance(app.screen, EvidenceScreen))
                await pilot.press("escape")
                await until(pilot, lambda: isinstance(app.screen, TrainingScreen))
                detailed = True
            option = run.model_answer() or run.current.default
            await pick(pilot, scr, option)
            assert scr.judgement.correct is not False
        await pilot.press("c")
        await phase(pilot, "finished")

        score = run.score()
        assert run.diagnosis_correct()
        assert detailed and score.judged == score.correct >= 2
        assert (score.wrong_attempts, score.hints) == (1, 1)
        assert score.total < score.maximum
        results = " ".join(str(w.render()) for w in scr.query_one("#t-results").query(Static))
        assert f"Score {score.total}/{score.maximum}" in results
        assert "provider_rejection" in results and "diagnosis is right" in results
        assert " ".join(run.debrief.split()[:6]) in " ".join(results.split())

        await pilot.press("e")
        await pilot.pause()
        path = scr.report
        assert path is not None and path.is_file()
        assert path.parent == clean_env / "exports"
        report = path.read_text(encoding="utf-8")
        assert run.scenario.id in report and wrong in report and "junior" in report
        assert scr.query_one("#t-status").path == path  # type: ignore[attr-defined]
        assert text_of(scr, "#t-status").endswith(path.name)
        assert not list(path.parent.glob(".*.tmp"))


@aio
async def test_glossary_from_g_and_f1_filters() -> None:
    app = make_training_app("healthy-switch", cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        scr = await phase(pilot, "deciding")
        node = scr.run.current.id
        left = scr.run.hints_left()
        await pilot.press(*["h"] * (left + 1))
        await pilot.pause()
        charged = scr.run.visits[-1].record.decision.hints
        assert charged == left == len(scr.hints)  # no charge once none are left
        assert "No hints left" in text_of(scr, "#t-status")
        titles = [c.title for c in app.get_system_commands(scr)]
        assert "Glossary" in titles and "Save the trainer report" in titles
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GlossaryScreen))
        gl = app.screen
        ol = gl.query_one("#gl-list", OptionList)
        assert ol.option_count == len(entries())
        await pilot.press(*"conntrack")
        await pilot.pause()
        assert 0 < ol.option_count < len(entries())
        assert all("conntrack" in (e.term + e.text).lower() for e in gl.found)
        shown = gl.shown
        assert shown is not None
        detail = " ".join(str(gl.query_one("#gl-entry", Static).render()).split())
        assert shown.term in detail and " ".join(shown.reference.split()) in detail
        await pilot.press("down")
        await pilot.pause()
        assert gl.shown == gl.found[1]
        gl.query_one("#gl-search", Input).value = "zzqx nothing"
        await pilot.pause()
        assert ol.option_count == 0 and "No glossary entry" in str(
            gl.query_one("#gl-entry", Static).render()
        )
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, TrainingScreen))
        assert app.screen.phase == "deciding" and app.screen.run.current.id == node

        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, TrainingHelpScreen))
        await pilot.pause()
        assert "training.hint" in screen_text(app)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GlossaryScreen))


@aio
async def test_gathering_runs_in_a_worker_and_esc_cancels() -> None:
    from dropwizard.training.run import TrainingRun
    from dropwizard.training.scenario import find_scenario

    from .helpers import registry_with, slow_gatherer

    scenario = find_scenario("healthy-switch")
    run = TrainingRun.open(scenario, registry=registry_with(cdr__causes=slow_gatherer(8)))
    app = make_training_app(scenario, cursor_blink=False, run=run, theme="ansi-dark")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        scr = await phase(pilot, "deciding")
        await pick(pilot, scr, run.model_answer())
        await pilot.press("c")
        await phase(pilot, "gathering")
        assert scr.check_action("cancel", ()) is True
        assert "running" in screen_text(app)
        await pilot.press("g")  # keys are handled while the check runs
        await until(pilot, lambda: isinstance(app.screen, GlossaryScreen), timeout=1)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is scr, timeout=1)
        assert not scr._cancel.is_set() and scr.phase == "gathering"  # Esc closed the glossary
        await pilot.press("escape")
        took = await until(pilot, lambda: scr.phase == "deciding", timeout=5)
        assert took < 3
        assert any("cancelled" in str(n.message) for n in app._notifications)
        statuses = {e.status.value for e in run.evidence()}
        assert statuses == {"skipped"}


def test_the_train_command_finds_this_entry_point() -> None:
    from dropwizard.commands.train import _tui_entry
    from dropwizard.tui.training import run_training

    assert _tui_entry() is run_training
