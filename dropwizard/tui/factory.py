"""The one way to build the app: used by `dropwizard`, the tests, the screenshots and the bench."""

from __future__ import annotations

from typing import Any

from dropwizard.errors import InputError
from dropwizard.tui.app import AppOptions, DropwizardApp
from dropwizard.tui.backend import Backend, StartRequest


def make_app(
    *,
    source: str | None = None,
    flow: str = "call-drop",
    mode: str = "diagnose",
    config: Any = None,
    registry: Any = None,
    backend: Backend | None = None,
    session: Any = None,
    keymap: dict[str, str] | None = None,
    theme: str | None = None,
    source_locked: bool = False,
    cursor_blink: bool = True,
    offer_resume: bool = True,
) -> DropwizardApp:
    """A DropwizardApp with its core backend; `source` prefills (and may lock) the start form."""
    backend = backend or Backend(config=config, registry=registry)
    request = StartRequest(source=source or "demo", flow=flow, mode=mode)
    options = AppOptions(
        backend=backend,
        request=request,
        source_locked=source_locked and source is not None,
        session=session,
        keymap=dict(keymap or {}),
        theme=theme,
        cursor_blink=cursor_blink,
        offer_resume=offer_resume,
    )
    return DropwizardApp(options)


def exit_code(app: object, result: object) -> int:
    """The process exit code after the app ended: non-zero when it crashed."""
    code = getattr(app, "return_code", None)
    if code:
        return int(code)
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def check_theme(name: str) -> None:
    """An unknown theme is a one-line error before the screen starts, not a crash inside it."""
    from textual.theme import BUILTIN_THEMES

    if name not in BUILTIN_THEMES:
        raise InputError(
            f"--theme {name!r}: no such theme; choose one of {', '.join(sorted(BUILTIN_THEMES))}"
        )
