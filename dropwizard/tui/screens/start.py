"""Start: choose the source, the scope, the flow and the mode; or resume an unfinished session."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from dropwizard.errors import DropwizardError
from dropwizard.scope import Scope, parse_time
from dropwizard.tui import keys
from dropwizard.tui.backend import Resumable, StartRequest
from dropwizard.tui.text import literal, safe
from dropwizard.tui.widgets.keybar import KeyBar

WINDOWS: tuple[tuple[str, str], ...] = (
    ("All data", "all"),
    ("Last 1 h", "-1h"),
    ("Last 24 h", "-24h"),
    ("Last 7 d", "-7d"),
    ("Custom", "custom"),
)
PASSWORD_ENV = "DROPWIZARD_MYSQL_PASSWORD"
OTHER_CSV = "__csv__"
OTHER_MYSQL = "__mysql__"

Outcome = tuple[Any, str | None]
"""What opening gave: (session, None), or (None, a one-line error)."""


def discard(outcome: Outcome, new: bool) -> None:
    """Close a session nobody will walk; a new one's transcript goes too (nothing was decided)."""
    session = outcome[0]
    if session is None:
        return
    try:
        session.close()
    except Exception:
        pass
    if new:
        try:
            Path(session.transcript_path).unlink(missing_ok=True)
        except (OSError, AttributeError, TypeError):
            pass


class StartScreen(Screen):
    """Pick what to diagnose. Enter in any field (or F5) starts; Ctrl+R resumes."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("start")

    def __init__(self) -> None:
        super().__init__()
        self.resumable: Resumable | None = None
        self._busy = False
        self._last: StartRequest | None = None
        self._token = threading.Event()
        """Set when the open in progress is cancelled (Esc) or the app quits."""
        self.opening: threading.Thread | None = None
        """The thread opening the source (it may outlive a cancel; its session is then dropped)."""

    @property
    def busy(self) -> bool:
        """A session is being opened."""
        return self._busy

    @busy.setter
    def busy(self, value: bool) -> None:
        self._busy = value
        if self.is_mounted:
            self.refresh_bindings()

    def compose(self) -> ComposeResult:
        opts = self.app.options  # type: ignore[attr-defined]
        req: StartRequest | None = opts.request
        backend = self.app.backend  # type: ignore[attr-defined]
        names = backend.source_names()
        choices: list[tuple[str, str]] = [("demo (embedded sample data)", "demo")]
        choices += [(f"{n}  ({uri})", n) for n, uri in names.items()]
        choices += [("CSV file...", OTHER_CSV), ("MySQL URI...", OTHER_MYSQL)]
        source = req.source if req else "demo"
        sel_value, other = source, ""
        if source not in {v for _, v in choices}:
            sel_value = OTHER_MYSQL if source.startswith("mysql://") else OTHER_CSV
            other = source
        yield Static(Text("dropwizard - why do calls drop?", style="bold"), id="start-title")
        with VerticalScroll(id="start-form"):
            yield Static(id="resume-banner")
            with Horizontal(classes="row"):
                yield Label("Source", classes="field-label")
                yield Select(
                    choices,
                    value=sel_value,
                    allow_blank=False,
                    id="source",
                    compact=True,
                    disabled=opts.source_locked,
                )
            with Horizontal(classes="row", id="other-row"):
                yield Label("Path/URI", classes="field-label")
                yield Input(
                    other,
                    placeholder="/path/cdr.csv or mysql://user@host:3306/vos3000",
                    id="source-other",
                    compact=True,
                    disabled=opts.source_locked,
                )
            with Horizontal(classes="row"):
                yield Label("Scope", classes="field-label")
                with RadioSet(id="scope-kind", compact=True):
                    yield RadioButton("Time window", value=True, id="kind-window")
                    yield RadioButton("Gateway", id="kind-gateway")
                    yield RadioButton("One call", id="kind-call")
            with Horizontal(classes="row", id="window-row"):
                yield Label("Window", classes="field-label")
                yield Select(WINDOWS, value="all", allow_blank=False, id="window", compact=True)
                yield Input(placeholder="since", id="since", compact=True)
                yield Input(placeholder="until", id="until", compact=True)
            with Horizontal(classes="row", id="gateway-row"):
                yield Label("Gateway", classes="field-label")
                yield Input(
                    placeholder="gateway name, e.g. GW-PROVIDER-A", id="gateway", compact=True
                )
            with Horizontal(classes="row", id="call-row"):
                yield Label("Call", classes="field-label")
                yield Input(
                    placeholder="NUMBER@TIME, e.g. 8613800138000@2026-11-28T14:05",
                    id="call",
                    compact=True,
                )
            with Horizontal(classes="row"):
                yield Label("Flow", classes="field-label")
                flow = req.flow if req else "call-drop"
                yield Select([(flow, flow)], value=flow, allow_blank=False, id="flow", compact=True)
            with Horizontal(classes="row"):
                yield Label("Mode", classes="field-label")
                with RadioSet(id="mode", compact=True):
                    train = bool(req and req.mode == "train")
                    yield RadioButton("Diagnose", value=not train, id="mode-diagnose")
                    yield RadioButton("Train", value=train, id="mode-train")
            with Horizontal(classes="row"):
                yield Button("Start (F5)", id="start", variant="primary", compact=True)
                yield Button("Resume (Ctrl+R)", id="resume", compact=True)
            yield Static(id="start-error")
        yield KeyBar()

    def on_mount(self) -> None:
        if not self.app.options.cursor_blink:  # type: ignore[attr-defined]
            for inp in self.query(Input):
                inp.cursor_blink = False
        if self.query_one("#source-other", Input).value:
            self._sync_rows()
        self.call_after_refresh(self._after_first_frame)
        if self.app.options.source_locked:  # type: ignore[attr-defined]
            self.query_one("#scope-kind", RadioSet).focus()
        else:
            self.query_one("#source", Select).focus()

    def _after_first_frame(self) -> None:
        """Look for an unfinished session and list the flows once the form is on screen."""
        if self.app.options.offer_resume:  # type: ignore[attr-defined]
            self._find_resumable()
        self._list_flows()

    @work(thread=True, exclusive=True, group="start-scan", exit_on_error=False)
    def _find_resumable(self) -> None:
        try:
            found = self.app.backend.latest_unfinished()  # type: ignore[attr-defined]
        except Exception:
            found = None
        if found is not None:
            self.app.call_from_thread(self._offer_resume, found)

    @work(thread=True, exclusive=True, group="start-flows", exit_on_error=False)
    def _list_flows(self) -> None:
        try:
            names = self.app.backend.flow_names()  # type: ignore[attr-defined]
        except Exception:
            return
        self.app.call_from_thread(self._set_flows, names)

    def _set_flows(self, names: list[str]) -> None:
        sel = self.query_one("#flow", Select)
        current = str(sel.value)
        if current not in names:
            names = [current, *names]
        sel.set_options([(n, n) for n in names])
        sel.value = current

    def _offer_resume(self, found: Resumable) -> None:
        self.resumable = found
        banner = self.query_one("#resume-banner", Static)
        text = Text("Unfinished session: ", style="bold")
        text.append(f"{found.flow or '?'} at step {found.node or '?'}")
        if found.source:
            text.append(safe(f", source {found.source}"))
        if found.started:
            text.append(f", started {found.started[:16].replace('T', ' ')}")
        text.append(". Ctrl+R resumes it.")
        banner.update(text)
        banner.display = True
        self.query_one("#resume", Button).display = True

    # ------------------------------------------------------------------ form

    def _scope_kind(self) -> str:
        rs = self.query_one("#scope-kind", RadioSet)
        idx = rs.pressed_index
        return ("window", "gateway", "call")[idx if idx >= 0 else 0]

    def _sync_rows(self) -> None:
        kind = self._scope_kind()
        self.query_one("#gateway-row").display = kind == "gateway"
        self.query_one("#call-row").display = kind == "call"
        self.query_one("#window-row").display = kind in ("window", "gateway")
        custom = self.query_one("#window", Select).value == "custom"
        self.query_one("#since", Input).display = custom
        self.query_one("#until", Input).display = custom
        src = self.query_one("#source", Select).value
        self.query_one("#other-row").display = src in (OTHER_CSV, OTHER_MYSQL)

    @on(RadioSet.Changed, "#scope-kind")
    @on(Select.Changed)
    def _changed(self) -> None:
        self._sync_rows()

    def build_request(self, now: datetime | None = None) -> StartRequest:
        """The form as a StartRequest; raises DropwizardError with a one-line message."""
        now = now or datetime.now(timezone.utc)
        src = str(self.query_one("#source", Select).value)
        if src in (OTHER_CSV, OTHER_MYSQL):
            src = self.query_one("#source-other", Input).value.strip()
            if not src:
                raise DropwizardError("enter a CSV path or a mysql:// URI")
        kind = self._scope_kind()
        if kind == "call":
            spec = self.query_one("#call", Input).value.strip()
            scope = Scope.for_call(spec, now=now)
        else:
            window = str(self.query_one("#window", Select).value)
            since = until = None
            if window == "custom":
                s = self.query_one("#since", Input).value.strip()
                u = self.query_one("#until", Input).value.strip()
                since = parse_time(s, now=now) if s else None
                until = parse_time(u, now=now) if u else None
            elif window != "all":
                since, until = parse_time(window, now=now), now
            gateway = None
            if kind == "gateway":
                gateway = self.query_one("#gateway", Input).value.strip()
                if not gateway:
                    raise DropwizardError("enter the gateway name")
            scope = Scope(kind=kind, since=since, until=until, gateway=gateway)
        flow = str(self.query_one("#flow", Select).value)
        rs = self.query_one("#mode", RadioSet)
        mode = "train" if rs.pressed_index == 1 else "diagnose"
        return StartRequest(source=src, scope=scope, flow=flow, mode=mode)

    # --------------------------------------------------------------- actions

    def action_start(self) -> None:
        if self.busy:
            return
        try:
            req = self.build_request()
        except DropwizardError as exc:
            self.show_error(exc.message)
            return
        self.begin(req)

    def begin(self, req: StartRequest) -> None:
        """Open the session in a thread (a MySQL connect or a big CSV may take long); Esc
        cancels."""
        self._last = req
        self.show_error("")
        backend = self.app.backend  # type: ignore[attr-defined]
        self._launch(lambda: backend.open_session(req), req.mode, new=True)
        self.query_one("#start-error", Static).update(
            literal(f"Opening {req.source}... Esc cancels")
        )

    def action_resume(self) -> None:
        if self.busy:
            return
        found = self.resumable
        if found is None:
            self.show_error("No unfinished session to resume.")
            return
        backend = self.app.backend  # type: ignore[attr-defined]
        self._launch(lambda: backend.resume_session(found.path), None, new=False)

    def _launch(self, opener: Callable[[], Any], mode: str | None, new: bool) -> None:
        self.cancel_open()
        self._token = token = threading.Event()
        self.busy = True
        self._open(opener, mode, new, token)

    @work(exclusive=True, group="open", exit_on_error=False)
    async def _open(
        self, opener: Callable[[], Any], mode: str | None, new: bool, token: threading.Event
    ) -> None:
        """Run `opener` in a daemon thread and wait for it here. Esc or quitting stop the wait at
        once (quitting does not wait for the thread); a session that opens after that is
        closed, never shown, and a new one leaves no transcript behind."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Outcome] = loop.create_future()

        def deliver(outcome: Outcome) -> None:
            if token.is_set() or result.done():
                discard(outcome, new)
            else:
                result.set_result(outcome)

        def run() -> None:
            outcome: Outcome
            try:
                outcome = (opener(), None)
            except DropwizardError as exc:
                outcome = (None, exc.message)
            except Exception as exc:
                outcome = (None, f"{type(exc).__name__}: {exc}")
            if token.is_set():
                discard(outcome, new)
                return
            try:
                loop.call_soon_threadsafe(deliver, outcome)
            except RuntimeError:  # the app's event loop is gone
                discard(outcome, new)

        self.opening = threading.Thread(target=run, name="dropwizard-open", daemon=True)
        self.opening.start()
        try:
            session, error = await result
        except asyncio.CancelledError:
            token.set()
            raise
        self.busy = False
        if error is not None:
            self._failed(error)
        else:
            self.app.open_wizard(session, mode)  # type: ignore[attr-defined]

    def cancel_open(self) -> bool:
        """Stop waiting for the session being opened; True when one was."""
        if not self.busy:
            return False
        self._token.set()
        self.workers.cancel_group(self, "open")
        self.busy = False
        return True

    def action_cancel_open(self) -> None:
        if self.cancel_open():
            self.show_error("")
            self.query_one("#start-error", Static).update(
                literal("Cancelled: nothing was opened. F5 starts again.")
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_open":
            return self.busy
        return True

    def _failed(self, message: str) -> None:
        self.show_error(message)
        req = self._last
        if (
            req is not None
            and req.source.lower().startswith("mysql://")
            and ("access denied" in message.lower())
        ):
            from dropwizard.tui.screens.password import PasswordScreen

            where = req.source.split("://", 1)[1].split("/", 1)[0]
            self.app.push_screen(PasswordScreen(where, message), callback=self._password)

    def _password(self, password: str | None) -> None:
        """Retry with the typed password, handed to the MySQL source through its environment
        variable (this process only; never argv, never a file)."""
        if password is None or self._last is None:
            return
        import os

        os.environ[PASSWORD_ENV] = password
        self.begin(self._last)

    def show_error(self, message: str) -> None:
        err = self.query_one("#start-error", Static)
        err.update(Text(message, style="bold") if message else Text(""))
        err.set_class(bool(message), "-error")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#resume")
    def _resume_pressed(self) -> None:
        self.action_resume()
