"""Named scenes of the real app on the demo data: what the screenshots show and what the
snapshot tests compare. Each scene builds the app with the one factory and drives it with keys.

Rendering is made repeatable: a fixed data directory and session id, durations and clock times
shown as constants, no cursor blink, no animation, no colour/theme variables from the
environment.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from dropwizard.tui.app import DropwizardApp
from dropwizard.tui.factory import make_app

Drive = Callable[[Pilot], Awaitable[None]]
SESSION_ID = "20261128T140500Z-scenes"
ENV_CLEARED = ("NO_COLOR", "TEXTUAL_THEME", "COLORTERM", "TEXTUAL_ANIMATIONS", "TEXTUAL_FPS")


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and the screen has processed what they posted."""
    app = pilot.app
    for _ in range(400):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not getattr(app.screen, "gathering", False) and not app.workers._workers:
            await pilot.pause()
            return
        await asyncio.sleep(0.01)


async def wait_for(pilot: Pilot, cond: Callable[[], bool], timeout: float = 30.0) -> None:
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("scene did not reach its state")
        await pilot.pause(0.01)


def _screen_name(pilot: Pilot) -> str:
    return type(pilot.app.screen).__name__


async def press(pilot: Pilot, *keys: str) -> None:
    """Press keys one by one, settling after each."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def to_step1(pilot: Pilot) -> None:
    """Start screen -> F5 (demo, whole day) -> accept the scope -> step 1 evidence."""
    await wait_for(pilot, lambda: _screen_name(pilot) == "StartScreen")
    await settle(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: _screen_name(pilot) == "WizardScreen")
    await settle(pilot)
    await press(pilot, "enter")


def option_key(pilot: Pilot, *, id: str | None = None, next: str | None = None) -> str:
    """The digit that picks the current node's option with this id (or leading to `next`)."""
    engine = pilot.app.screen.engine  # type: ignore[attr-defined]
    for i, opt in enumerate(engine.current.ways_out(), 1):
        if (id is not None and opt.id == id) or (next is not None and opt.next == next):
            return str(i)
    raise LookupError(f"{engine.current.id} has no option {id or ('to ' + str(next))}")


async def to_step2(pilot: Pilot) -> None:
    """... -> at step 1 take the way to step 2 (the timeout analysis with its histogram)."""
    await to_step1(pilot)
    await press(pilot, option_key(pilot, next="step2"))


async def to_step3(pilot: Pilot) -> None:
    """... -> at step 1 take the way to step 3 (providers, with the rejection time series)."""
    await to_step1(pilot)
    await press(pilot, option_key(pilot, next="step3"))


async def to_diagnosis(pilot: Pilot) -> None:
    """Accept every proposal from the start to the diagnosis."""
    await to_step1(pilot)
    for _ in range(12):
        if _screen_name(pilot) == "DiagnosisScreen":
            break
        await press(pilot, "enter")
    await wait_for(pilot, lambda: _screen_name(pilot) == "DiagnosisScreen")
    await settle(pilot)


async def to_running(pilot: Pilot) -> None:
    """Step 1 while its (held) check still runs."""
    await wait_for(pilot, lambda: _screen_name(pilot) == "StartScreen")
    await settle(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: _screen_name(pilot) == "WizardScreen")
    await settle(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "gathering", False))
    await pilot.pause()


async def note_then_transcript(pilot: Pilot) -> None:
    await to_step2(pilot)
    await press(pilot, "n")
    await pilot.press(*"RTP stops one way on the Kingcall NAT trunk")
    await press(pilot, "enter")
    await press(pilot, "t")


async def nothing(pilot: Pilot) -> None:
    await wait_for(pilot, lambda: _screen_name(pilot) == "StartScreen")
    await settle(pilot)


async def with_resume_offer(pilot: Pilot) -> None:
    await nothing(pilot)
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "resumable", None) is not None)
    await pilot.pause()


@dataclass
class Scene:
    """One screen state worth a screenshot."""

    name: str
    drive: Drive
    about: str
    size: tuple[int, int] = (80, 24)
    theme: str | None = None
    no_color: bool = False
    held_check: bool = False
    unfinished_session: bool = False
    locked: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    training: str | None = None
    """A training scenario: the scene opens `make_training_app` on it instead of the wizard."""


def _drive_keys(base: Drive, *keys: str) -> Drive:
    async def drive(pilot: Pilot) -> None:
        await base(pilot)
        await press(pilot, *keys)

    return drive


def _training(pilot: Pilot) -> Any:
    return pilot.app.screen


async def to_deciding(pilot: Pilot) -> None:
    """The training screen with the first step gathered, waiting for the trainee's choice."""
    await wait_for(
        pilot,
        lambda: _screen_name(pilot) == "TrainingScreen" and _training(pilot).phase == "deciding",
    )
    await settle(pilot)


async def _pick(pilot: Pilot, option_id: str) -> None:
    ids = [o.id for o in _training(pilot).run.options()]
    await pilot.press(str(ids.index(option_id) + 1))
    await wait_for(pilot, lambda: _training(pilot).phase == "judged")
    await settle(pilot)


async def training_wrong(pilot: Pilot) -> None:
    """First step: choose an option the evidence does not support; the judgement shows."""
    await to_deciding(pilot)
    run = _training(pilot).run
    right = run.model_answer()
    await _pick(pilot, next(o.id for o in run.options() if o.id != right))


async def training_end(pilot: Pilot) -> None:
    """Walk the scenario choosing what the evidence supports, to the score and debrief."""
    await to_deciding(pilot)
    run = _training(pilot).run
    for _ in range(20):
        await _pick(pilot, run.model_answer() or run.current.default)
        await press(pilot, "c")
        await wait_for(pilot, lambda: _training(pilot).phase in ("deciding", "finished"))
        await settle(pilot)
        if _training(pilot).phase == "finished":
            return
    raise TimeoutError("scenario did not finish")


async def training_glossary(pilot: Pilot) -> None:
    """g from a training step, then the words "487" typed into the filter."""
    await to_deciding(pilot)
    await pilot.press("g")
    await wait_for(pilot, lambda: _screen_name(pilot) == "GlossaryScreen")
    await settle(pilot)
    await press(pilot, *"487")


SCENES: tuple[Scene, ...] = (
    Scene("start", nothing, "Start: source, scope, flow, mode (dropwizard --demo)"),
    Scene(
        "start-resume",
        with_resume_offer,
        "Start offering to resume an unfinished session",
        unfinished_session=True,
    ),
    Scene("wizard-step1", to_step1, "Step 1: release causes gathered, proposal, options"),
    Scene(
        "wizard-running",
        to_running,
        "A check running: Esc cancels, keys still work",
        held_check=True,
    ),
    Scene("wizard-histogram", to_step2, "Step 2: duration histogram with the band marked"),
    Scene("wizard-providers", to_step3, "Step 3: rejections over time with the burst marked"),
    Scene("evidence", _drive_keys(to_step2, "v"), "Evidence detail: asked, facts, tables, raw"),
    Scene("transcript", note_then_transcript, "Transcript with an operator note"),
    Scene("help", _drive_keys(to_step1, "f1"), "F1: keys (with their ids) and the step's help"),
    Scene("diagnosis", to_diagnosis, "Diagnosis: ranked findings, fixes, exports"),
    Scene("wizard-wide", to_step2, "120 columns: path tree beside the step", size=(120, 40)),
    Scene("diagnosis-wide", to_diagnosis, "Diagnosis at 120 columns", size=(120, 40)),
    Scene("wizard-ansi", to_step2, "16 colours (ansi-dark theme)", theme="ansi-dark"),
    Scene("wizard-nocolor", to_step2, "NO_COLOR: marks still read as carets", no_color=True),
    Scene(
        "training-wrong",
        training_wrong,
        "Training: a wrong choice judged against the evidence",
        training="provider-503-burst",
    ),
    Scene(
        "training-end",
        training_end,
        "Training: score, diagnosis reached, debrief",
        training="provider-503-burst",
    ),
    Scene(
        "training-glossary",
        training_glossary,
        'Training glossary filtered by "487"',
        training="provider-487-pdd",
    ),
)
BY_NAME: dict[str, Scene] = {s.name: s for s in SCENES}


def scene_dir(scene: Scene) -> Path:
    return Path(tempfile.gettempdir()) / "dropwizard-scenes" / scene.name


@contextmanager
def frozen(scene: Scene, flows_dir: Path | None = None) -> Iterator[Path]:
    """Fixed data dir, session id, clock and durations for one scene; restores everything.

    `flows_dir` puts a directory of flows ahead of the shipped ones (a pinned copy).
    """
    from datetime import datetime, timezone

    from dropwizard.transcript import log, sessions
    from dropwizard.tui import text as tx

    data = scene_dir(scene)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    saved_env = {
        k: os.environ.get(k)
        for k in (*ENV_CLEARED, "DROPWIZARD_DATA_DIR", "DROPWIZARD_CONFIG", "DROPWIZARD_FLOWS_PATH")
    }
    saved = (sessions.new_session_id, tx.duration_text, tx.rel_time, tx.clock_text, log._utc_now)
    try:
        for k in ENV_CLEARED:
            os.environ.pop(k, None)
        os.environ["DROPWIZARD_DATA_DIR"] = str(data)
        os.environ["DROPWIZARD_CONFIG"] = str(data / "config.toml")
        if scene.no_color:
            os.environ["NO_COLOR"] = "1"
        if flows_dir is not None:
            os.environ["DROPWIZARD_FLOWS_PATH"] = str(flows_dir)
        ids = iter([SESSION_ID, *(f"{SESSION_ID}{i}" for i in range(2, 100))])
        sessions.new_session_id = lambda now=None: next(ids)  # type: ignore[assignment]
        tx.duration_text = lambda ms: ""  # type: ignore[assignment]
        tx.rel_time = lambda seconds: "+00:00"  # type: ignore[assignment]
        tx.clock_text = lambda iso: "2026-11-28 14:05:00Z"  # type: ignore[assignment]
        log._utc_now = lambda: datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)
        yield data
    finally:
        (sessions.new_session_id, tx.duration_text, tx.rel_time, tx.clock_text, log._utc_now) = (
            saved
        )
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def held_registry(release: threading.Event, reg: Any = None) -> Any:
    """The gatherers (installed, or `reg`) with `cdr.causes` held until `release` (or cancel)."""
    from dropwizard.wizard.registry import session_registry

    reg = reg if reg is not None else session_registry()
    real = reg._gatherers["cdr.causes"]

    def held(ctx: Any, params: Any) -> Any:
        """cdr.causes, held for the scene."""
        while not release.is_set() and not ctx.cancel.is_set():
            time.sleep(0.02)
        return real(ctx, params)

    reg.add("cdr.causes", held)
    return reg


def _leave_unfinished(data: Path) -> None:
    """An interrupted earlier session in the data dir (for the resume offer)."""
    from dropwizard.scope import Scope
    from dropwizard.session import Session

    s = Session.create(flow="call-drop", source=None, scope=Scope())
    s.engine.propose()
    s.engine.choose("window")
    s.close()


def build(
    scene: Scene, release: threading.Event | None = None, registry: Any = None
) -> DropwizardApp:
    """The app for a scene (call inside `frozen(scene)`); `registry` replaces the gatherers
    (wizard scenes only: a training scene serves its scenario's own data)."""
    if scene.training is not None:
        return build_training(scene)
    if scene.unfinished_session:
        _leave_unfinished(scene_dir(scene))
    if scene.held_check:
        registry = held_registry(release or threading.Event(), registry)
    return make_app(
        source="demo",
        source_locked=scene.locked,
        theme=scene.theme,
        cursor_blink=False,
        registry=registry,
    )


def build_training(scene: Scene) -> DropwizardApp:
    """The training app on the scene's scenario, its run opened with a stopped clock."""
    from dropwizard.training.run import TrainingRun
    from dropwizard.training.scenario import find_scenario
    from dropwizard.tui.training import make_training_app

    assert scene.training is not None
    run = TrainingRun.open(find_scenario(scene.training), clock=lambda: 0.0, trainee="trainee")
    return make_training_app(run.scenario, run=run, theme=scene.theme, cursor_blink=False)


async def shoot(scene: Scene, out_dir: Path) -> Path:
    """Drive the scene and save its SVG as `<out_dir>/<name>.svg`."""
    release = threading.Event()
    with frozen(scene):
        app = build(scene, release)
        async with app.run_test(size=scene.size) as pilot:
            await scene.drive(pilot)
            path = Path(app.save_screenshot(filename=f"{scene.name}.svg", path=str(out_dir)))
            release.set()
    return path
