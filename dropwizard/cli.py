"""Command line: argument parsing and dispatch only. Each command lives in `dropwizard.commands`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from dropwizard import __version__
from dropwizard.errors import DropwizardError, InputError

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
SHARED = ("source", "flow")
"""Options of the wizard that commands taking the same option accept before their name too."""


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
    for sub_parser in sub.choices.values():
        _share_options(sub_parser)
    return parser


def _share_options(parser: argparse.ArgumentParser) -> None:
    """Let `dropwizard --source X run` mean `dropwizard run --source X`.

    A command's own default would overwrite the value given before the command name, so the
    shared options default to "absent" there; `apply_global_options` restores the default.
    """
    own: dict[str, object] = {}
    for action in parser._actions:
        if action.dest in SHARED and action.option_strings:
            own[action.dest] = action.default
            action.default = argparse.SUPPRESS
    parser.set_defaults(_own_defaults=own)


def command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(name)
    return None


def apply_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Give a command the wizard options placed before its name, or refuse them in one line.

    `--demo` means `--source demo` for a command that takes `--source`; an option the command
    has no use for is an error rather than silently dropped.
    """
    own = vars(args).pop("_own_defaults", None)
    if args.demo and args.source not in (None, "demo"):
        raise InputError(f"--demo and --source {args.source} name two sources: keep one")
    if not args.command:
        return
    sub_parser = command_parser(parser, args.command)
    dests = {a.dest for a in sub_parser._actions} if sub_parser is not None else set()
    takes_source = "source" in dests
    unused = {
        "--demo": args.demo and not takes_source,
        "--source": args.source is not None and not takes_source,
        "--flow": args.flow is not None and "flow" not in dests,
        "--theme": args.theme is not None,
    }
    for option, present in unused.items():
        if present:
            raise InputError(
                f"{option} is not an option of '{args.command}' (see dropwizard {args.command} "
                f"--help); without a command it goes to the wizard: dropwizard {option} ..."
            )
    if args.demo:
        args.source = "demo"
    for dest, default in (own or {}).items():
        if getattr(args, dest, None) is None:
            setattr(args, dest, default)


def _stdout_identity() -> tuple[int, int] | None:
    try:
        st = os.fstat(sys.stdout.fileno())
    except (AttributeError, ValueError, OSError):
        return None
    return st.st_dev, st.st_ino


def _devnull_identity() -> tuple[int, int] | None:
    try:
        st = os.stat(os.devnull)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _stdout_to_devnull() -> None:
    """The reader of stdout has gone: send whatever is still buffered to /dev/null, so the
    interpreter's final flush does not complain (the recipe of the `signal` module's docs)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(requested_command(argv), full=False)
    stdout_before = _stdout_identity()
    try:
        args = parser.parse_args(argv)
        apply_global_options(parser, args)
        module = importlib.import_module(f"dropwizard.commands.{args.command or 'wizard'}")
        rc = int(module.run(args) or 0)
    except DropwizardError as exc:
        print(f"dropwizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dropwizard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _stdout_to_devnull()
        return 0
    except SystemExit as exc:
        # Rich ends the program with SystemExit(1) after pointing stdout at /dev/null when the
        # reader of a pipe has gone (`| head`): that is a normal end, not a failure.
        after = _stdout_identity()
        if (
            after is not None
            and exc.code == 1
            and after != stdout_before
            and after == _devnull_identity()
        ):
            return 0
        raise
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
    except (AttributeError, ValueError, OSError):
        pass
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
