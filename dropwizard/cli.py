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
SUMMARIES: dict[str, str] = {
    "analyze": "analyse CDRs and print findings (text, markdown, json)",
    "probe": "check this host: conntrack, firewall, services, database, logs, SIP, RTP",
    "capture": "analyse a pcap/pcapng capture: SIP calls, RTP streams, findings",
    "run": "walk a flow headlessly (answers from a file, else the evidence's proposal)",
    "resume": "continue an interrupted session (the newest unfinished one by default)",
    "export": "write a session as a ticket, Markdown or JSON",
    "flows": "list, check and draw flows",
    "train": "training scenarios: list them, run one in the wizard or headless",
}
_VALUE_OPTIONS = ("--source", "--flow", "--theme")


def requested_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line, if any (so only its module is imported)."""
    skip = False
    for tok in argv:
        if skip:
            skip = False
        elif tok in _VALUE_OPTIONS:
            skip = True
        elif not tok.startswith("-"):
            return tok if tok in COMMANDS else None
    return None


def build_parser(command: str | None = None, *, full: bool = True) -> argparse.ArgumentParser:
    """The parser; with `full=False` only `command`'s module is imported (fast start-up)."""
    parser = argparse.ArgumentParser(
        prog="dropwizard",
        description="Find out why calls drop on a VOS3000 softswitch. Without a command, opens the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"dropwizard {__version__}")
    importlib.import_module("dropwizard.commands.wizard").add_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if full or name == command:
            importlib.import_module(f"dropwizard.commands.{name}").add_parser(sub)
        else:
            sub.add_parser(name, help=SUMMARIES[name], add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(requested_command(argv), full=False)
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
