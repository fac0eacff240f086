"""`dropwizard export TRANSCRIPT --format ticket|markdown|json [--redact] [--output FILE]`."""

from __future__ import annotations

import argparse
import sys

from dropwizard.errors import InputError
from dropwizard.transcript.atomic import write_atomic
from dropwizard.transcript.export import FORMATS, export_text
from dropwizard.transcript.log import read_events
from dropwizard.transcript.sessions import resolve_transcript


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a session as a ticket, Markdown or JSON",
        description=(
            "Export a session transcript. TRANSCRIPT is a file or a session id from the data "
            "directory. The ticket is plain text wrapped at 72 columns; --redact keeps only the "
            "last 4 digits of phone numbers. Passwords are never exported."
        ),
    )
    p.add_argument("transcript", metavar="TRANSCRIPT", help="transcript file or session id")
    p.add_argument(
        "--format", choices=FORMATS, default="ticket", help="output format (default: ticket)"
    )
    p.add_argument(
        "--redact", action="store_true", help="hide phone numbers but their last 4 digits"
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE atomically (mode 0600) and print its path, instead of stdout",
    )


def _write_stdout(text: str) -> None:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None:
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    else:
        sys.stdout.write(text)


def run(args: argparse.Namespace) -> int:
    path = resolve_transcript(args.transcript)
    events, warnings = read_events(path)
    for w in warnings:
        print(f"dropwizard: warning: {w}", file=sys.stderr)
    if not events:
        raise InputError(f"{path}: holds no events, nothing to export")
    text = export_text(events, args.format, redact=args.redact)
    if not args.output:
        _write_stdout(text)
        return 0
    try:
        out = write_atomic(args.output, text)
    except OSError as exc:
        raise InputError(
            f"{args.output}: cannot write export: {exc.strerror or exc} "
            "(check the directory exists and is writable)"
        ) from None
    print(out)
    return 0
