"""`dropwizard flows`: list, check, draw flows and print the flow format's JSON Schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dropwizard.errors import EXIT_OK, EXIT_USAGE


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("flows", help="list, check and draw flows")
    fsub = p.add_subparsers(dest="flows_command", metavar="ACTION", required=True)
    fsub.add_parser("list", help="shipped and user flows (a user flow overrides by id)")
    c = fsub.add_parser(
        "check",
        help="validate flow files; one 'file:line: message' per problem (exit 2 on problems)",
    )
    c.add_argument(
        "paths", nargs="*", metavar="PATH", help="flow files or directories (default: all flows)"
    )
    g = fsub.add_parser("graph", help="draw a flow as Mermaid or Graphviz DOT")
    g.add_argument("name", help="flow id or file")
    g.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    fsub.add_parser("schema", help="print the flow format's JSON Schema (flows/schema.json)")


def run(args: argparse.Namespace) -> int:
    action = args.flows_command
    if action == "list":
        return _list()
    if action == "check":
        return _check([Path(p) for p in args.paths])
    if action == "graph":
        return _graph(args.name, args.format)
    from dropwizard.wizard.schema import schema_text

    sys.stdout.write(schema_text())
    return EXIT_OK


def _list() -> int:
    from dropwizard.wizard.loader import list_flows

    entries = list_flows()
    if not entries:
        print("no flows found")
        return EXIT_OK
    width = max(len(e.id) for e in entries)
    for e in entries:
        state = ""
        if e.problems:
            state = f"  [{len(e.problems)} problem{'s' if len(e.problems) != 1 else ''}]"
        if e.overridden_by is not None:
            state += f"  [overridden by {e.overridden_by}]"
        title = e.title or "(unreadable)"
        print(f"{e.id:<{width}}  v{e.version}  {e.origin:<7}  {title}  {e.path}{state}")
    return EXIT_OK


def _check(paths: list[Path]) -> int:
    """Check flows and training scenarios; one `file:line: message` line per problem."""
    from dropwizard.training.scenario import check_scenarios, is_scenario_path
    from dropwizard.wizard.loader import check_paths, list_flows

    if paths:
        flow_paths = [p for p in paths if not is_scenario_path(p)]
        count, problems = check_paths(flow_paths) if flow_paths else (0, [])
        scenarios, scenario_problems = check_scenarios(paths)
    else:
        entries = list_flows()
        count = len(entries)
        problems = [p for e in entries for p in e.problems]
        scenarios, scenario_problems = check_scenarios(None)
    problems = [*problems, *scenario_problems]
    for problem in problems:
        print(problem)
    checked = f"{_plural(count, 'flow file')} and {_plural(scenarios, 'scenario')}"
    if problems:
        print(f"{_plural(len(problems), 'problem')} in {checked}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{checked} checked, no problems", file=sys.stderr)
    return EXIT_OK


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _graph(name: str, fmt: str) -> int:
    from dropwizard.wizard.graph import dot, mermaid
    from dropwizard.wizard.loader import find_flow

    flow = find_flow(name)
    sys.stdout.write(mermaid(flow) if fmt == "mermaid" else dot(flow))
    return EXIT_OK
