"""`dropwizard run`: walk a flow without a screen, answers from a file."""

from __future__ import annotations

import argparse
import os

from dropwizard.commands.analyze import RELATIVE_TIME_ARG
from dropwizard.errors import InputError


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
        "--source",
        help="demo, a CSV path, mysql://USER@HOST:PORT/DB or a configured name "
        "(needed by flows that read CDRs, such as call-drop)",
    )
    p.add_argument("--answers", help="YAML or JSON file mapping node id to option id")
    p.add_argument("--transcript", help="write the transcript here (default: the data dir)")
    p.add_argument("--since", help="window start: ISO 8601 (UTC) or relative like -24h")
    p.add_argument("--until", help="window end: ISO 8601 (UTC) or relative")
    p.add_argument("--gateway", help="scope to one gateway")
    p.add_argument("--call", metavar="NUMBER@TIME", help="scope to one reported call")
    p.add_argument("--capture", help="a pcap/pcapng file of the problem calls")
    p._negative_number_matcher = RELATIVE_TIME_ARG


def check_capture(path: str | None) -> None:
    if path is None:
        return
    if not path.strip():
        raise InputError("--capture is empty: give a .pcap/.pcapng file of the problem calls")
    if not os.path.isfile(os.path.expanduser(path)):
        raise InputError(
            f"--capture {path}: no such file (give a .pcap/.pcapng file of the problem calls)"
        )


def cdr_gatherers(flow: object) -> list[str]:
    """The CDR gatherers the flow's nodes use."""
    names: list[str] = []
    for node in getattr(flow, "nodes", []):
        for name in node.gather:
            if name.startswith("cdr.") and name not in names:
                names.append(name)
    return names


def run(args: argparse.Namespace) -> int:
    from dropwizard.commands.analyze import _scope
    from dropwizard.config import load_config
    from dropwizard.session import Session
    from dropwizard.transcript.answers import answers_record
    from dropwizard.wizard.headless import load_answers, walk_and_print
    from dropwizard.wizard.loader import find_flow

    scope = _scope(args)  # one call, one gateway or a window, checked as analyze checks it
    if args.source is not None and not args.source.strip():
        raise InputError("--source is empty: give demo, a CSV export or mysql://USER@HOST:PORT/DB")
    check_capture(args.capture)
    config = load_config()
    flow = find_flow(args.flow, config)
    if args.source is None and cdr_gatherers(flow):
        raise InputError(
            f"run needs --source: flow {flow.id} reads CDRs (give demo, a CSV export, "
            "mysql://USER@HOST:PORT/DB or a source name from the config file)"
        )
    answers = load_answers(args.answers, flow) if args.answers else {}
    record = answers_record(args.answers, answers) if args.answers else None
    with Session.create(
        flow=flow,
        source=args.source,
        scope=scope,
        mode="headless",
        transcript=args.transcript,
        config=config,
        capture=os.path.expanduser(args.capture) if args.capture else None,
        answers=record,
    ) as session:
        walk_and_print(session.engine, answers, session.transcript_path)
    return 0
