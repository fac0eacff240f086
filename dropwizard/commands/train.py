"""`dropwizard train`: list the training scenarios, run one in the TUI or headless."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from dropwizard.errors import EXIT_USAGE, InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="training scenarios: list them, or run one (TUI, or headless with --answers)",
        description=(
            "Without SCENARIO: list the scenarios with their difficulty. With SCENARIO: run it in "
            "the TUI, or headless with --answers FILE (node: option lines; a list retries)."
        ),
    )
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario name or directory")
    p.add_argument("--answers", metavar="FILE", help="answers file: node id -> option id")
    p.add_argument(
        "--solution",
        action="store_true",
        help="walk the scenario following the evidence and show the model answer (for trainers)",
    )
    p.add_argument("--report", metavar="FILE", help="write the trainer report (Markdown) here")
    p.add_argument("--transcript", metavar="FILE", help="write the session transcript here")
    p.add_argument("--trainee", metavar="NAME", help="trainee name for the report")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.add_argument(
        "--glossary",
        nargs="?",
        const="",
        metavar="WORDS",
        help="print the glossary (Q.850, SIP, RFC 4028, conntrack, NAT, VOS3000), or the "
        "entries matching WORDS",
    )


def _config() -> Any:
    from dropwizard.config import load_config

    return load_config()


def _list(config: Any, fmt: str) -> int:
    from dropwizard.training.scenario import list_scenarios, scenario_dirs, search_dirs

    scenarios = list_scenarios(config)
    broken = len(scenario_dirs(search_dirs(config))) - len(scenarios)
    if broken:
        print(
            f"dropwizard: {broken} scenario(s) have problems and are not listed; "
            "run 'dropwizard flows check' to see them",
            file=sys.stderr,
        )
    if fmt == "json":
        rows = [
            {"id": s.id, "difficulty": s.difficulty, "title": s.title, "flow": s.flow}
            for s in scenarios
        ]
        print(json.dumps({"scenarios": rows}, indent=2))
        return 0
    if not scenarios:
        print("no training scenarios found")
        return 0
    width = max(len(s.id) for s in scenarios)
    print(f"{'SCENARIO':<{width}}  DIFFICULTY  TITLE")
    for s in scenarios:
        print(f"{s.id:<{width}}  {s.difficulty:<10}  {s.title}")
    print("\nRun one: dropwizard train NAME   (headless: --answers FILE)")
    return 0


def _tui_entry() -> Any:
    """The TUI's training entry point, when the TUI offers one."""
    for mod_name, attr in (
        ("dropwizard.tui.training", "run_training"),
        ("dropwizard.tui.factory", "run_training"),
    ):
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        fn = getattr(mod, attr, None)
        if callable(fn):
            return fn
    return None


def _print_judgement(j: Any) -> None:
    mark = {True: "right", False: "WRONG", None: "free choice"}[j.correct]
    print(f"[{j.node}] chose {j.chosen} ({j.chosen_label}): {mark}")
    if j.correct is False and j.supported_option:
        print(f"    the answer here: {j.supported_option} ({j.supported_label})")
    if j.why:
        print(f"    why: {j.why}")


def _report_error(path: str, why: str) -> InputError:
    return InputError(
        f"--report {path}: cannot write the trainer report: {why} (name another file with --report)"
    )


def _check_report(path: str) -> None:
    """Fail before the walk when the report cannot be written where asked."""
    import os
    import tempfile

    target = os.path.expanduser(path)
    if os.path.isdir(target):
        raise _report_error(path, "it is a directory")
    try:
        with tempfile.NamedTemporaryFile(dir=os.path.dirname(os.path.abspath(target))):
            pass
    except OSError as exc:
        raise _report_error(path, exc.strerror or str(exc)) from None


def _write_report(path: str, text: str) -> None:
    import os

    from dropwizard.transcript.atomic import write_atomic

    try:
        write_atomic(os.path.expanduser(path), text)
    except OSError as exc:
        raise _report_error(path, exc.strerror or str(exc)) from None


def _headless(args: argparse.Namespace, config: Any) -> int:
    from dropwizard.training.answers import Answers, load_answers
    from dropwizard.training.headless import follow_evidence, walk_answers
    from dropwizard.training.run import TrainingRun
    from dropwizard.training.scenario import find_scenario, scenario_flow

    scenario = find_scenario(args.scenario, config)
    answers = load_answers(args.answers) if args.answers else Answers()
    answers.check(scenario_flow(scenario, config))
    if args.report:
        _check_report(args.report)
    text = args.format == "text"
    run = TrainingRun.open(
        scenario, config=config, transcript=args.transcript, trainee=args.trainee
    )
    try:
        if text:
            print(f"Scenario {scenario.id} ({scenario.difficulty}): {scenario.title}")
            print(scenario.brief.strip())
            print()
        run.start()
        judgements = []
        stopped = None
        if args.solution:
            for j in follow_evidence(run):
                judgements.append(j)
                if text:
                    _print_judgement(j)
            if not run.finished:
                stopped = f"nothing decides node {run.current.id!r}: the model walk stops here"
        else:

            def on_event(kind: str, payload: Any) -> None:
                if not text:
                    return
                if kind == "hint":
                    print(f"[{payload[0]}] hint: {payload[1]}")
                else:
                    _print_judgement(payload)

            outcome = walk_answers(run, answers, on_event)
            judgements = outcome.judgements
            stopped = outcome.stopped
        score = run.score()
        if args.report:
            _write_report(args.report, run.report_markdown())
        if text:
            if stopped:
                print(stopped)
            print()
            print(f"Reached: {', '.join(run.reached()) or 'no finding'}")
            print(f"True diagnosis: {scenario.diagnosis.describe()}")
            for f in run.engine.findings:
                print(f"\n{f.title} ({f.id}):")
                for rec in f.recommendations:
                    print(f"  - {rec}")
            print()
            for line in score.lines():
                print(line)
            print()
            print("Debrief:")
            print(scenario.debrief.strip())
            if args.report:
                print(f"\nTrainer report written to {args.report}")
        else:
            print(
                json.dumps(
                    {
                        "scenario": scenario.id,
                        "difficulty": scenario.difficulty,
                        "decisions": [
                            {
                                "node": j.node,
                                "chosen": j.chosen,
                                "correct": j.correct,
                                "supported": j.supported_option,
                                "why": j.why,
                            }
                            for j in judgements
                        ],
                        "stopped": stopped,
                        "reached": run.reached(),
                        "true_diagnosis": scenario.diagnosis.findings,
                        "score": score.to_dict(),
                    },
                    indent=2,
                )
            )
    finally:
        run.close()
    return 0


def _glossary(words: str, fmt: str) -> int:
    import textwrap

    from dropwizard.training import glossary

    found = glossary.search(words)
    if fmt == "json":
        rows = [
            {"term": e.term, "category": e.category, "text": e.text, "reference": e.reference}
            for e in found
        ]
        print(json.dumps({"glossary": rows}, indent=2, ensure_ascii=False))
        return 0
    if not found:
        print(f"no glossary entry mentions {words!r}")
        return 0
    category = None
    for e in found:
        if not words and e.category != category:
            category = e.category
            print(f"\n== {e.category_title}")
        print(f"\n{e.term}")
        print(textwrap.fill(e.text, 96, initial_indent="  ", subsequent_indent="  "))
        print(f"  Reference: {e.reference}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.glossary is not None:
        return _glossary(args.glossary, args.format)
    config = _config()
    if not args.scenario:
        return _list(config, args.format)
    if args.answers or args.solution:
        return _headless(args, config)
    from dropwizard.training.scenario import find_scenario

    scenario = find_scenario(args.scenario, config)
    entry = _tui_entry()
    if entry is None:
        print(
            "dropwizard: the training screen is not available in this build; "
            f"run it headless: dropwizard train {scenario.id} --answers FILE",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return int(entry(scenario, config=config) or 0)
