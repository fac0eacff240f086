"""`dropwizard resume`: continue an interrupted session where it stopped."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "resume",
        help="continue an interrupted session (the newest unfinished one by default)",
        description=(
            "Continue a session at the node where it stopped, headlessly: answers from "
            "--answers, else the evidence's proposal, else the node's default."
        ),
    )
    p.add_argument("transcript", nargs="?", help="transcript file (default: newest unfinished)")
    p.add_argument("--answers", help="YAML or JSON file mapping node id to option id")


def run(args: argparse.Namespace) -> int:
    from dropwizard.session import Session
    from dropwizard.wizard.headless import load_answers, walk_and_print

    with Session.resume(args.transcript) as session:
        for warning in session.warnings:
            print(f"dropwizard: warning: {warning}", file=sys.stderr)
        engine = session.engine
        answers = load_answers(args.answers, engine.flow) if args.answers else {}
        assert engine.current is not None
        if engine.finished:
            print(f"session {session.session_id} had already finished", file=sys.stderr)
        else:
            print(f"resuming {session.session_id} at {engine.current.id}", file=sys.stderr)
        walk_and_print(engine, answers, session.transcript_path)
    return 0
