"""The command line imports only the module of the command it runs."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from dropwizard.cli import COMMANDS, SUMMARIES, build_parser, requested_command


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], None),
        (["--demo"], None),
        (["--source", "analyze", "--flow", "probe"], None),
        (["--theme", "ansi-dark", "flows", "list"], "flows"),
        (["analyze", "--source", "demo"], "analyze"),
        (["nonsense"], None),
    ],
)
def test_requested_command(argv: list[str], expected: str | None) -> None:
    assert requested_command(argv) == expected


def test_every_command_has_a_summary_and_a_full_parser() -> None:
    assert set(SUMMARIES) == set(COMMANDS)
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)
    for name in COMMANDS:
        assert sub.choices[name].format_help().startswith(f"usage: dropwizard {name}")


def test_wizard_start_does_not_import_command_modules() -> None:
    code = (
        "import sys; from dropwizard.cli import build_parser; build_parser(None, full=False);"
        "print(sorted(m for m in sys.modules if m.startswith('dropwizard.commands.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['dropwizard.commands.wizard']"
