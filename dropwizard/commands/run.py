"""`dropwizard run`: walk a flow without a screen, answers from a file."""

from __future__ import annotations

import argparse

from dropwizard.scope import Scope, parse_time


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="walk a flow headlessly (answers from a file, else the evidence's proposal)",
        description=(
            "Walk a flow without a screen. At each node the answer from --answers is taken; "
            "otherwise the option the evidence supports; otherwise the node's default. "
            "Prints the path taken and the diagnosis."
        ),
    )
    p.add_argument("--flow", default="call-drop", help="flow id or file (default call-drop)")
    p.add_argument(
        "--source", help="demo, a CSV path, mysql://USER@HOST:PORT/DB or a configured name"
    )
    p.add_argument("--answers", help="YAML or JSON file mapping node id to option id")
    p.add_argument("--transcript", help="write the transcript here (default: the data dir)")
    p.add_argument("--since", help="window start: ISO 8601 (UTC) or relative like -24h")
    p.add_argument("--until", help="window end: ISO 8601 (UTC) or relative")
    p.add_argument("--gateway", help="scope to one gateway")
    p.add_argument("--call", metavar="NUMBER@TIME", help="scope to one reported call")
    p.add_argument("--capture", help="a pcap/pcapng file of the problem calls")


def scope_from_args(args: argparse.Namespace) -> Scope:
    """The scope the options describe: one call, one gateway, or a window."""
    if args.call:
        return Scope.for_call(args.call)
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    kind = "gateway" if args.gateway else "window"
    return Scope(kind=kind, since=since, until=until, gateway=args.gateway)


def run(args: argparse.Namespace) -> int:
    from dropwizard.config import load_config
    from dropwizard.session import Session
    from dropwizard.wizard.headless import load_answers, walk_and_print
    from dropwizard.wizard.loader import find_flow

    config = load_config()
    flow = find_flow(args.flow, config)
    answers = load_answers(args.answers, flow) if args.answers else {}
    scope = scope_from_args(args)
    with Session.create(
        flow=flow,
        source=args.source,
        scope=scope,
        mode="headless",
        transcript=args.transcript,
        config=config,
        capture=args.capture,
    ) as session:
        walk_and_print(session.engine, answers, session.transcript_path)
    return 0
