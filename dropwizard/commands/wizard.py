"""`dropwizard` with no command: the Textual wizard."""

from __future__ import annotations

import argparse

from dropwizard.errors import InputError

PASSWORD_ENV = "DROPWIZARD_MYSQL_PASSWORD"
DEFAULT_FLOW = "call-drop"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="use the embedded demo data")
    parser.add_argument(
        "--source", help="demo, a CSV path, mysql://USER@HOST:PORT/DB or a configured name"
    )
    parser.add_argument("--flow", help="flow to walk (default call-drop)")
    parser.add_argument(
        "--theme",
        help="Textual theme, e.g. ansi-dark for 16-colour terminals (default textual-dark)",
    )


def check_source(spec: str, config: object) -> None:
    """Fail before the screen starts when the source named on the command line cannot work.

    The demo needs no check; a CSV file must exist; a MySQL source is connected to (and closed).
    """
    from pathlib import Path

    sources = getattr(config, "sources", None) or {}
    target = sources.get(spec, spec)
    if target == "demo":
        return
    if not target.lower().startswith("mysql://"):
        path = Path(target).expanduser()
        if not path.is_file():
            raise InputError(
                f"--source {spec}: no such CSV file {str(path)!r} (give a .csv/.csv.gz export, "
                "mysql://USER@HOST:PORT/DB, demo, or a source name from the config file)"
            )
        return
    import os

    from dropwizard.cdr import open_source

    src = open_source(target, config)
    typed = getattr(src, "_password", None)
    if typed and not os.environ.get(PASSWORD_ENV):
        os.environ[PASSWORD_ENV] = typed  # asked once, before the screen; never in argv or files
    src.close()


def check_flow(name: str, config: object) -> None:
    """Load the flow so a broken or missing one fails before the screen starts."""
    try:
        from dropwizard.wizard.loader import find_flow
    except ImportError:  # pragma: no cover
        return
    try:
        find_flow(name, config)
    except InputError:
        raise
    except Exception as exc:
        problems = getattr(exc, "problems", None)
        first = str(problems[0]) if problems else str(exc)
        raise InputError(f"flow {name!r}: {first}") from None


def run(args: argparse.Namespace) -> int:
    from dropwizard.config import load_config

    theme = getattr(args, "theme", None)
    if theme:
        from dropwizard.tui.factory import check_theme

        check_theme(theme)
    config = load_config()
    _ = config.flows_path  # a malformed [flows] path fails here, not inside the screen
    from dropwizard.tui.keys import keymap_from_config

    keymap = keymap_from_config(config.keys)
    source = "demo" if args.demo else args.source
    flow = args.flow or DEFAULT_FLOW
    if flow != DEFAULT_FLOW:
        check_flow(flow, config)  # the shipped default is loaded when the session starts
    if source:
        check_source(source, config)
    from dropwizard.tui.factory import exit_code, make_app

    app = make_app(
        source=source,
        flow=flow,
        config=config,
        keymap=keymap,
        theme=theme,
        source_locked=bool(source),
    )
    result = app.run()
    return exit_code(app, result)
