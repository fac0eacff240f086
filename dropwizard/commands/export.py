"""`dropwizard export`."""

from __future__ import annotations

import argparse

from dropwizard.errors import DropwizardError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="(not built yet)")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    raise DropwizardError("'dropwizard export' is not built yet")
