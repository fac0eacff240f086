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
            "--answers (else the answers file the session was run with), else the evidence's "
            "proposal, else the node's default."
        ),
    )
    p.add_argument("transcript", nargs="?", help="transcript file (default: newest unfinished)")
    p.add_argument(
        "--answers",
        help="YAML or JSON file mapping node id to option id (default: the answers the "
        "session was run with)",
    )


def run(args: argparse.Namespace) -> int:
    from dropwizard.session import Session
    from dropwizard.transcript.answers import answers_record, recorded_answers
    from dropwizard.transcript.log import read_events
    from dropwizard.wizard.headless import load_answers, walk_and_print

    with Session.resume(args.transcript) as session:
        for warning in session.warnings:
            print(f"dropwizard: warning: {warning}", file=sys.stderr)
        engine = session.engine
        if args.answers:
            answers = load_answers(args.answers, engine.flow)
            if not engine.finished:
                session.log.append("answers", {"answers": answers_record(args.answers, answers)})
        else:
            events, _ = read_events(session.transcript_path)
            found, warnings = recorded_answers(events, engine.flow)
            for warning in warnings:
                print(f"dropwizard: warning: {warning}", file=sys.stderr)
            answers = found or {}
            if found:
                print(
                    f"using the answers the session was run with ({len(found)})",
                    file=sys.stderr,
                )
        assert engine.current is not None
        if engine.was_finished:
            print(f"session {session.session_id} had already finished", file=sys.stderr)
        elif engine.finished:
            print(
                f"completed {session.session_id}: it was cut off after its last decision",
                file=sys.stderr,
            )
        else:
            print(f"resuming {session.session_id} at {engine.current.id}", file=sys.stderr)
        walk_and_print(engine, answers, session.transcript_path)
    return 0
