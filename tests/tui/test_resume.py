"""A session killed mid-walk (SIGKILL, SIGHUP) resumes at the same step."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dropwizard.transcript.sessions import latest_unfinished
from dropwizard.tui.factory import make_app
from dropwizard.tui.screens.start import StartScreen
from dropwizard.tui.screens.wizard import WizardScreen

from .helpers import aio, settle, until

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, {root!r})
    from dropwizard.tui.factory import make_app
    from dropwizard.tui.screens.wizard import WizardScreen
    from tests.tui.helpers import settle, until

    app = make_app(cursor_blink=False, offer_resume=False)

    async def main():
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.screen.is_mounted and app.screen.query("#start"))
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, WizardScreen))
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            eng = app.screen.engine
            print(eng.current.id, len(eng.path), flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


def _walk_in_child_and_kill(tmp: Path) -> tuple[str, int]:
    script = tmp / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)))
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the child never reached the third step"
        line = proc.stdout.readline().decode().split()
        assert line, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    return line[0], int(line[1])


@aio
async def test_resume_after_sigkill_mid_walk(tmp_path: Path) -> None:
    node, depth = _walk_in_child_and_kill(tmp_path)
    info = latest_unfinished()
    assert info is not None and info.last_node is not None
    app = make_app(cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StartScreen))
        start = app.screen
        await until(pilot, lambda: start.resumable is not None)
        assert start.query_one("#resume-banner").display
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen))
        await settle(pilot)
        eng = app.screen.engine
        assert eng.current.id == node
        assert len(eng.path) == depth
        assert app.screen.query_one("#options").display
    events = [json.loads(x) for x in Path(info.path).read_text().splitlines() if x.strip()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_sighup_ends_the_app_and_leaves_a_resumable_session(tmp_path: Path) -> None:
    import pty

    env = dict(os.environ, TERM="xterm-256color")
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "dropwizard", "--demo"], env)
    try:
        deadline = time.monotonic() + 90
        next_key = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if fd in r:
                try:
                    os.read(fd, 65536)
                except OSError:
                    break
            info = latest_unfinished()
            if info is not None and info.last_node not in (None, "start"):
                break
            if time.monotonic() >= next_key:
                # F5 starts the session on the start screen; Enter then accepts the scope.
                os.write(fd, b"\x1b[15~" if info is None else b"\r")
                next_key = time.monotonic() + 2.0
        assert latest_unfinished() is not None
        os.kill(pid, signal.SIGHUP)
        end = time.monotonic() + 10
        status = None
        while time.monotonic() < end:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            r, _, _ = select.select([fd], [], [], 0.05)
            if fd in r:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
        assert status is not None and os.WIFEXITED(status), "the app did not exit on SIGHUP"
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
    info = latest_unfinished()
    assert info is not None and not info.finished
