"""`dropwizard` (the wizard command): fatal start-up errors exit before the screen, one line each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], config: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DROPWIZARD_CONFIG=str(config))
    return subprocess.run(
        [sys.executable, "-m", "dropwizard", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("config_text", "args", "code", "words"),
    [
        ("[keys\n", ["--demo"], 2, "config.toml"),
        ('[keys]\n"wizard.back" = "ctrl+s"\n', ["--demo"], 2, "taken by terminals"),
        ('[keys]\nfly = "f"\n', ["--demo"], 2, "no key binding named 'fly'"),
        ("", ["--source", "/nonexistent/cdr.csv"], 2, "no such CSV file"),
        ("", ["--demo", "--flow", "no-such-flow"], 2, "no flow named 'no-such-flow'"),
        ("", ["--source", "mysql://dw@127.0.0.1:1/vos3000"], 3, "127.0.0.1"),
    ],
)
def test_fatal_start_errors_exit_with_one_line(
    tmp_path: Path, config_text: str, args: list[str], code: int, words: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(config_text)
    out = _run(args, config)
    assert out.returncode == code, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("dropwizard: ") and words in lines[0]
    assert out.stdout == ""


def test_help_and_core_do_not_load_textual() -> None:
    code = (
        "import sys, contextlib, io\n"
        "import dropwizard.commands.wizard, dropwizard.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        dropwizard.cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
