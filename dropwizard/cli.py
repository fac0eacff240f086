"""Command line: argument parsing and dispatch only. Each command lives in `dropwizard.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from dropwizard import __version__
from dropwizard.errors import DropwizardError

COMMANDS: tuple[str, ...] = (
    "analyze",
    "probe",
    "capture",
    "run",
    "resume",
    "export",
    "flows",
    "train",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dropwizard",
        description="Find out why calls drop on a VOS3000 softswitch. Without a command, opens the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"dropwizard {__version__}")
    importlib.import_module("dropwizard.commands.wizard").add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"dropwizard.commands.{name}").add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(f"dropwizard.commands.{args.command or 'wizard'}")
    try:
        return int(module.run(args) or 0)
    except DropwizardError as exc:
        print(f"dropwizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dropwizard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
