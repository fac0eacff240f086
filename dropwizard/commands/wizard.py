"""`dropwizard` with no command: the Textual wizard."""

from __future__ import annotations

import argparse

from dropwizard.errors import DropwizardError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="use the embedded demo data")
    parser.add_argument(
        "--source", help="demo, a CSV path, mysql://USER@HOST:PORT/DB or a configured name"
    )
    parser.add_argument("--flow", default="call-drop", help="flow to walk (default call-drop)")


def run(args: argparse.Namespace) -> int:
    raise DropwizardError("the wizard screen is not built yet; use 'dropwizard run'")
