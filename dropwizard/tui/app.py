"""The dropwizard Textual app: global keys, theme, the command palette, hang-up handling."""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.app import App
from textual.binding import BindingType

from dropwizard.tui import keys
from dropwizard.tui.backend import Backend, StartRequest


@dataclass
class AppOptions:
    """How the app starts. Built by `dropwizard.tui.factory.make_app`."""

    backend: Backend = field(default_factory=Backend)
    request: StartRequest | None = None
    """Prefilled start values; with `autostart` the session opens without the start screen."""
    source_locked: bool = False
    """The source came from the command line (already checked reachable)."""
    autostart: bool = False
    session: Any = None
    """An already opened session: the app opens on the wizard screen."""
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    cursor_blink: bool = True
    offer_resume: bool = True


def _wizard_commands() -> type:
    """The palette provider, imported when the palette first opens."""
    from dropwizard.tui.commands import WizardCommands

    return WizardCommands


class _NoPrompt:
    """stdin as code that would prompt sees it while the screen owns the terminal: no tty, so no
    getpass() fights the app for the keyboard (the app asks in a dialog instead)."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class DropwizardApp(App[int]):
    """Walk a diagnosis flow over SSH: keyboard only, 80x24, 16 colours, no animation."""

    TITLE = "dropwizard"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("app")
    COMMANDS = App.COMMANDS | {_wizard_commands}
    NOTIFICATION_TIMEOUT = 6

    def __init__(self, options: AppOptions | None = None) -> None:
        super().__init__()
        self.options = options or AppOptions()
        self.animation_level = "none"
        self.session: Any = self.options.session
        self._hung_up = False

    def run(self, *args: Any, **kwargs: Any) -> int | None:  # type: ignore[override]
        """Run in the terminal; nothing else may prompt on it meanwhile."""
        import sys

        real = sys.stdin
        sys.stdin = _NoPrompt(real)  # type: ignore[assignment]
        try:
            return super().run(*args, **kwargs)
        finally:
            sys.stdin = real

    @property
    def backend(self) -> Backend:
        return self.options.backend

    def on_mount(self) -> None:
        if self.options.theme:
            self.theme = self.options.theme
        if self.options.keymap:
            self.set_keymap(self.options.keymap)
        self._install_hangup()
        if self.session is not None:
            self.open_wizard(self.session)
        else:
            from dropwizard.tui.screens.start import StartScreen

            self.push_screen(StartScreen())

    def open_wizard(self, session: Any, mode: str | None = None) -> None:
        """Show the wizard for an opened session (replacing the start screen)."""
        from dropwizard.tui.screens.wizard import WizardScreen

        self.session = session
        screen = WizardScreen(session, mode=mode or self.backend.session_mode(session))
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_help(self) -> None:
        from dropwizard.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        node = None
        if self.session is not None:
            node = getattr(self.session.engine, "current", None)
        self.push_screen(HelpScreen(node=node, keymap=self.options.keymap))

    async def action_quit(self) -> None:
        self.shutdown_session()
        self.exit(0)

    def shutdown_session(self) -> None:
        """Cancel the running check, kill its query and close the source; the transcript is
        already on disk. A session still being opened is dropped when it opens."""
        from dropwizard.tui.screens.start import StartScreen
        from dropwizard.tui.screens.wizard import WizardScreen

        for screen in self.screen_stack:
            if isinstance(screen, WizardScreen):
                screen.cancel_check(kill=False)
            elif isinstance(screen, StartScreen):
                screen.cancel_open()
        self.workers.cancel_all()
        session, self.session = self.session, None
        if session is not None:
            try:
                session.close()
            except Exception:  # closing must never stop the exit
                pass

    def _install_hangup(self) -> None:
        try:
            import asyncio

            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, self._on_hangup)
        except (NotImplementedError, RuntimeError, ValueError, AttributeError):
            pass

    def _on_hangup(self) -> None:
        """The terminal is gone (SSH dropped): stop cleanly so `dropwizard` can resume."""
        if self._hung_up:
            return
        self._hung_up = True
        self.shutdown_session()
        self.exit(129)

    def on_unmount(self) -> None:
        self.shutdown_session()
