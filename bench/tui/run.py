"""Wizard responsiveness: time to the first interactive frame, and key latency during a check.

    .venv/bin/python bench/tui/run.py [--runs 5] [--presses 20]

1. First frame: spawn `dropwizard --demo` (a) headless: the child runs the real CLI with the
   app's `run` swapped for a headless run, and reports from the start screen's first
   after-refresh callback (the form has been laid out and painted once); (b) in a pseudo-terminal: wait for the start screen's title in the output.
   Measured from just before the spawn, so interpreter start and imports count.
2. Key latency: in-process, F1 delivered as the terminal driver delivers keys, until the help
   screen is up; while the first check of the call-drop flow runs (its gatherer held until the
   end) and, as the baseline, the same with the check finished.
Targets: first frame <= 1.0 s, key handled <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

CHILD = r"""
import os, resource, sys
from dropwizard.tui import app as app_mod
from dropwizard.tui.screens import start

first = start.StartScreen._after_first_frame

def ready(self):
    r = resource.getrusage(resource.RUSAGE_SELF)
    os.write(int(os.environ["DW_READY_FD"]), f"ready {r.ru_utime + r.ru_stime}\n".encode())
    first(self)
    self.app.exit(0)

start.StartScreen._after_first_frame = ready

def run(self, *args, **kwargs):
    return app_mod.App.run(self, headless=True)

app_mod.DropwizardApp.run = run
from dropwizard.cli import main
sys.exit(main(["--demo"]))
"""


def _env(tmp: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DROPWIZARD_DATA_DIR"] = tmp
    env["DROPWIZARD_CONFIG"] = os.path.join(tmp, "none.toml")
    env.pop("NO_COLOR", None)
    return env


READY_CPU: list[float] = []
"""CPU seconds each headless child had used when its first frame was ready."""
CHILD_CPU: list[float] = []
"""CPU seconds each headless child used (start to exit): the figure load on the machine
does not inflate."""


def first_frame_headless(tmp: str) -> float:
    """Seconds from spawn to the start screen composed and refreshed (headless driver)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r, w = os.pipe()
    t0 = time.perf_counter()
    env = _env(tmp)
    env["DW_READY_FD"] = str(w)
    proc = subprocess.Popen(
        [PY, "-c", CHILD],
        env=env,
        pass_fds=(w,),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        line = fh.readline()
    t1 = time.perf_counter()
    _, err = proc.communicate(timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CHILD_CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    word, _, cpu = line.decode().partition(" ")
    if word != "ready":
        raise SystemExit(f"headless child did not report ready: {err.decode()[-500:]}")
    READY_CPU.append(float(cpu))
    return t1 - t0


def first_frame_pty(tmp: str) -> float:
    """Seconds from spawn until the start screen's title reaches a pseudo-terminal."""
    import pty
    import select

    env = _env(tmp)
    env.setdefault("TERM", "xterm-256color")
    env["COLUMNS"], env["LINES"] = "80", "24"
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.chdir(ROOT)
        os.execve(PY, [PY, "-m", "dropwizard", "--demo"], env)
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    elapsed = None
    deadline = t0 + 30
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            seen += chunk
            if b"calls" in seen and b"drop?" in seen:
                elapsed = time.perf_counter() - t0
                break
    os.write(fd, b"\x11")  # ctrl+q
    end = time.perf_counter() + 5
    while time.perf_counter() < end:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        ready, _, _ = select.select([fd], [], [], 0.05)
        if fd in ready:
            try:
                os.read(fd, 65536)
            except OSError:
                pass
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    os.close(fd)
    if elapsed is None:
        raise SystemExit("the start screen never appeared in the pseudo-terminal")
    return elapsed


def slow_registry(hold: threading.Event) -> Any:
    """The session registry with `cdr.causes` held until `hold` is set (or cancel)."""
    from dropwizard.wizard.registry import session_registry

    reg = session_registry()
    real = reg._gatherers.get("cdr.causes")

    def slow(ctx: Any, params: Any) -> Any:
        """cdr.causes, held for the benchmark."""
        while not hold.is_set() and not ctx.cancel.is_set():
            time.sleep(0.01)
        return real(ctx, params)

    reg.add("cdr.causes", slow)
    return reg


async def _timed_key(app: Any, key: str, done: Any) -> float:
    """Milliseconds from the key entering the app (as the driver delivers it) to `done()`."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    t0 = time.perf_counter()
    app._driver.send_message(event)
    while not done():
        await asyncio.sleep(0.0005)
    return (time.perf_counter() - t0) * 1000


async def key_latency(presses: int, during_check: bool) -> list[float]:
    """Milliseconds to open the help screen on F1 (and close it on Esc), `presses` times."""
    from dropwizard.scope import Scope
    from dropwizard.session import Session
    from dropwizard.tui.factory import make_app
    from dropwizard.tui.screens.help import HelpScreen
    from dropwizard.tui.screens.wizard import WizardScreen

    hold = threading.Event()
    session = Session.create(
        flow="call-drop", source="demo", scope=Scope(), registry=slow_registry(hold)
    )
    session.engine.choose("window")
    app = make_app(session=session, cursor_blink=False, offer_resume=False)
    out: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        while not isinstance(app.screen, WizardScreen):
            await pilot.pause(0.01)
        wiz = app.screen
        while not wiz.gathering:
            await pilot.pause(0.01)
        if not during_check:
            hold.set()
            while wiz.gathering:
                await pilot.pause(0.01)
            await pilot.pause()
        for _ in range(presses):
            assert wiz.gathering == during_check
            out.append(await _timed_key(app, "f1", lambda: isinstance(app.screen, HelpScreen)))
            await _timed_key(app, "escape", lambda: app.screen is wiz)
            await pilot.pause()
        hold.set()
        wiz.cancel_check()
        await app.workers.wait_for_complete()
    session.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--presses", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DROPWIZARD_DATA_DIR"] = tmp
        os.environ["DROPWIZARD_CONFIG"] = os.path.join(tmp, "none.toml")
        t = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True)
        bare = time.perf_counter() - t
        headless = [first_frame_headless(tmp) for _ in range(args.runs)]
        ptys = [first_frame_pty(tmp) for _ in range(args.runs)]
        idle = asyncio.run(key_latency(args.presses, during_check=False))
        busy = asyncio.run(key_latency(args.presses, during_check=True))

    def ms(xs: list[float]) -> str:
        return f"median {statistics.median(xs):7.1f} ms  max {max(xs):7.1f} ms"

    print(f"load average (1 min) on {os.cpu_count()} CPUs       {os.getloadavg()[0]:7.2f}")
    print(f"python -c pass (interpreter only)     {bare * 1000:7.1f} ms")
    print(
        f"first frame, headless  ({args.runs} runs)     "
        f"{ms([x * 1000 for x in headless])}   target 1000 ms"
    )
    print(
        f"first frame, pty 80x24 ({args.runs} runs)     "
        f"{ms([x * 1000 for x in ptys])}   target 1000 ms"
    )
    print(f"  CPU used up to the first frame       {ms([x * 1000 for x in READY_CPU])}")
    print(f"  CPU of the whole run, start to exit  {ms([x * 1000 for x in CHILD_CPU])}")
    print(f"F1 handled, idle       ({args.presses} presses)  {ms(idle)}   (baseline)")
    print(f"F1 handled, check runs ({args.presses} presses)  {ms(busy)}   target 100 ms")
    print(
        f"ratio busy/idle (median)              {statistics.median(busy) / statistics.median(idle):7.2f}x"
    )
    ok = statistics.median(headless) <= 1.0 and statistics.median(busy) <= 100
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
