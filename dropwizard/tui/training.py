"""`dropwizard train NAME` in the TUI: the app opened on the training screen of one scenario."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from textual import events
from textual.app import SystemCommand
from textual.screen import Screen

from dropwizard.tui.app import AppOptions, DropwizardApp
from dropwizard.tui.backend import Backend


class TrainingApp(DropwizardApp):
    """The dropwizard app showing one training scenario instead of the start screen."""

    def __init__(
        self,
        scenario: Any,
        options: AppOptions | None = None,
        *,
        config: Any = None,
        transcript: str | Path | None = None,
        trainee: str | None = None,
        run: Any = None,
    ) -> None:
        super().__init__(options)
        self.training_run = run
        self.scenario = scenario
        self.config = config
        self.transcript = transcript
        self.trainee = trainee

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()
        from dropwizard.tui.screens.training import TrainingScreen

        if self.options.theme:
            self.theme = self.options.theme
        if self.options.keymap:
            self.set_keymap(self.options.keymap)
        self._install_hangup()
        self.push_screen(
            TrainingScreen(
                self.scenario,
                config=self.config,
                transcript=self.transcript,
                trainee=self.trainee,
                run=self.training_run,
            )
        )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: Textual's commands, plus the glossary and the trainer report."""
        yield from super().get_system_commands(screen)
        from dropwizard.tui.screens.training import TrainingScreen

        training = next((s for s in self.screen_stack if isinstance(s, TrainingScreen)), None)
        if training is not None:
            yield SystemCommand(
                "Glossary",
                "Q.850, SIP, RFC 4028, conntrack, NAT, VOS3000",
                training.action_glossary,
            )
            yield SystemCommand(
                "Save the trainer report", "Markdown, into the data dir", training.action_export
            )

    def shutdown_session(self) -> None:
        """Cancel the gathering and close the run, then what the wizard app closes."""
        from dropwizard.tui.screens.training import TrainingScreen

        for screen in self.screen_stack:
            if isinstance(screen, TrainingScreen):
                screen.close_run()
        super().shutdown_session()


def transcript_path(scenario_id: str) -> Path:
    """`<data dir>/training/<id>-<stamp>.jsonl`: apart from the sessions `dropwizard` resumes."""
    from dropwizard.config import data_dir

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return data_dir() / "training" / f"{scenario_id}-{stamp}.jsonl"


def make_training_app(
    scenario: Any,
    *,
    config: Any = None,
    transcript: str | Path | None = None,
    trainee: str | None = None,
    keymap: dict[str, str] | None = None,
    theme: str | None = None,
    cursor_blink: bool = True,
    run: Any = None,
) -> TrainingApp:
    """A TrainingApp on a scenario (a `Scenario` or its name); used by the CLI and the tests.
    `run` is an already opened `TrainingRun` on that scenario (closed when the app ends)."""
    if isinstance(scenario, str):
        from dropwizard.training.scenario import find_scenario

        scenario = find_scenario(scenario, config)
    options = AppOptions(
        backend=Backend(config=config),
        keymap=dict(keymap or {}),
        theme=theme,
        cursor_blink=cursor_blink,
        offer_resume=False,
    )
    return TrainingApp(
        scenario, options, config=config, transcript=transcript, trainee=trainee, run=run
    )


def run_training(scenario: Any, config: Any = None) -> int:
    """Run one scenario in the terminal; `scenario` is a `Scenario` or its name. Exit code."""
    from dropwizard.tui.keys import keymap_from_config

    keymap = keymap_from_config(config.keys) if config is not None else {}
    if isinstance(scenario, str):
        from dropwizard.training.scenario import find_scenario

        scenario = find_scenario(scenario, config)
    app = make_training_app(
        scenario, config=config, transcript=transcript_path(scenario.id), keymap=keymap
    )
    from dropwizard.tui.factory import exit_code

    return exit_code(app, app.run())
