"""The main screen: the current step, its evidence as it arrives, the proposal, the options."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Collapsible, OptionList, Static
from textual.widgets.option_list import Option

from dropwizard.tui import keys
from dropwizard.tui import text as tx
from dropwizard.tui.messages import EvidenceArrived, GatherDone, GatherFailed
from dropwizard.tui.text import clip, fmt_value, literal
from dropwizard.tui.widgets.evidence_view import EvidenceCard, RunningCard
from dropwizard.tui.widgets.keybar import KeyBar
from dropwizard.tui.widgets.path import Breadcrumb, Crumb, PathTree
from dropwizard.tui.widgets.status import StatusBadge, StatusLine

CANCELLED = "Check cancelled: evidence incomplete, no proposal - press r to re-run."
"""Shown in place of a proposal when the operator cancelled the step's check."""


def ways_out(node: Any) -> list[Any]:
    """The node's options (a finding with `next` has an implicit `continue`)."""
    fn = getattr(node, "ways_out", None)
    return list(fn()) if callable(fn) else list(getattr(node, "options", []) or [])


class WizardScreen(Screen):
    """Walk the flow: gather in a thread worker, propose, let the operator choose."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("wizard")
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]

    def __init__(self, session: Any, mode: str = "diagnose") -> None:
        super().__init__()
        self.session = session
        self.engine = session.engine
        self.ctx = session.ctx
        self.mode = mode if mode in ("diagnose", "train") else "diagnose"
        self.gathering = False
        self._cancel = threading.Event()
        self._pending: Callable[[], None] | None = None
        self._proposal: Any = None
        self._revealed = False
        self._node_id: str | None = None
        self._live: dict[str, Any] = {}
        """Evidence shown for the current node by gatherer name; None while it runs."""
        self._incomplete: set[str] = set()
        """Nodes whose last check was cancelled: their evidence is partial, so no proposal."""
        self._decided: set[str] = {str(s.node) for s in getattr(self.engine, "path", []) or []}
        """Nodes the operator has chosen at: in training their proposal is no longer hidden."""
        self.engine.add_listener(self._on_engine_event)

    # ----------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="body"):
            yield PathTree(id="path-tree")
            with Vertical(id="main"):
                yield Breadcrumb(id="crumbs")
                with Horizontal(id="title-row"):
                    yield Static(id="node-kind")
                    yield Static(id="node-title")
                yield Static(id="question")
                with Collapsible(title="Why this step (w)", id="explain"):
                    yield Static(id="explain-text")
                yield VerticalScroll(id="evidence")
                yield Static(id="proposal")
                yield OptionList(id="options")
        yield StatusLine(id="status")
        yield KeyBar()

    def on_unmount(self) -> None:
        self.engine.remove_listener(self._on_engine_event)

    def on_mount(self) -> None:
        self.query_one("#topbar", Static).update(self._topbar())
        self.query_one("#explain", Collapsible).collapsed = self.mode != "train"
        if getattr(self.engine, "current", None) is None:
            self.engine.start()
        self.show_node()

    def _topbar(self) -> Text:
        flow = getattr(self.ctx, "flow", None)
        scope = getattr(self.ctx, "scope", None)
        src = getattr(self.ctx, "source", None)
        desc = ""
        if src is not None and callable(getattr(src, "describe", None)):
            desc = str(src.describe())
        desc = desc or str(getattr(self.ctx, "source_spec", "") or "no source")
        parts = [
            "dropwizard",
            str(getattr(flow, "id", "") or ""),
            clip(desc, 30),
            scope.describe() if scope is not None else "",
            self.mode,
        ]
        return Text(" · ".join(p for p in parts if p), no_wrap=True, overflow="ellipsis")

    # ------------------------------------------------------------ node display

    def crumbs(self) -> list[Crumb]:
        """Visited steps from the engine's path, then the current node."""
        out: list[Crumb] = []
        for step in getattr(self.engine, "path", []) or []:
            node_id = str(step.node)
            by = "override" if getattr(step, "overridden", False) else step.by
            out.append(Crumb(node_id, self._title_of(node_id), step.option, by))
        cur = self.engine.current
        if cur is not None and (not out or out[-1].node != cur.id or out[-1].option):
            out.append(Crumb(cur.id, cur.title))
        return out

    def visited(self) -> list[tuple[str, str]]:
        """(node id, title) of every visited step before the current one, oldest first."""
        seen: list[tuple[str, str]] = []
        cur = getattr(self.engine.current, "id", None)
        for c in self.crumbs():
            if c.node != cur and all(c.node != s[0] for s in seen):
                seen.append((c.node, c.title))
        return seen

    def _title_of(self, node_id: str) -> str:
        flow = getattr(self.ctx, "flow", None)
        try:
            return str(flow.node(node_id).title)  # type: ignore[union-attr]
        except (AttributeError, KeyError):
            return node_id

    def show_node(self) -> None:
        """Render the current node and start its check when it has not run yet."""
        node = self.engine.current
        self._node_id = node.id
        self._proposal = None
        self._revealed = self.mode != "train" or node.id in self._decided
        crumbs = self.crumbs()
        self.query_one("#crumbs", Breadcrumb).set_path(crumbs)
        self.query_one("#path-tree", PathTree).set_path(crumbs)
        self.query_one("#node-kind", Static).update(Text(f"[{node.type}] ", style="bold"))
        self.query_one("#node-title", Static).update(literal(node.title))
        question = getattr(node, "question", None) or ""
        q = self.query_one("#question", Static)
        q.update(literal(question))
        q.display = bool(question)
        self.query_one("#explain-text", Static).update(literal(tx.reflow(node.explain or "")))
        if self.mode == "train" or (node.type == "ask" and self.app.size.height >= 40):
            self.query_one("#explain", Collapsible).collapsed = False
        elif node.type in ("ask", "check"):
            self.query_one("#explain", Collapsible).collapsed = True
        evs = list((getattr(self.engine, "evidence", {}) or {}).get(node.id, []) or [])
        self._live = {getattr(ev, "name", str(i)): ev for i, ev in enumerate(evs)}
        if node.type == "check" and not evs:
            self.start_gather()
            return
        self._render_evidence()
        self._after_evidence()

    def _finding_widgets(self, node: Any) -> list[Static]:
        findings = getattr(self.engine, "findings", []) or []
        fid = getattr(node, "finding", None)
        finding = next((f for f in reversed(findings) if getattr(f, "id", None) == fid), None)
        if finding is None:
            return [Static(literal(f"Finding: {fid}"), classes="finding-title")]
        head = Text()
        head.append(f"{str(getattr(finding.severity, 'value', finding.severity)).upper()}  ")
        head.append(tx.safe(str(finding.title)), style="bold")
        out = [Static(head, classes="finding-title")]
        out += [Static(literal("• " + e), classes="finding-line") for e in finding.evidence[:4]]
        out += [
            Static(literal("→ " + r), classes="finding-fix") for r in finding.recommendations[:6]
        ]
        out.append(Static(literal("d: the full diagnosis, exports and copy"), classes="dim"))
        return out

    def _render_evidence(self, failure: str | None = None) -> None:
        """Rebuild the evidence pane: finding text, a card per gatherer (running or done)."""
        node = self.engine.current
        box = self.query_one("#evidence", VerticalScroll)
        box.remove_children()
        widgets: list[Any] = []
        if node.type == "finding":
            widgets += self._finding_widgets(node)
        for name, ev in self._live.items():
            if ev is None:
                widgets.append(RunningCard(name))
            else:
                widgets.append(EvidenceCard(ev))
        if failure:
            widgets.append(Static(literal(failure), classes="error"))
        if widgets:
            box.mount_all(widgets)

    def _after_evidence(self) -> None:
        """Propose (the engine decides from the facts), then show the options. A cancelled
        check proposes nothing: its evidence is partial."""
        node = self.engine.current
        incomplete = node.id in self._incomplete
        self._proposal = None
        if node.type in ("ask", "check") and not incomplete:
            try:
                self._proposal = self.engine.propose()
            except Exception as exc:  # a flow bug must not end the session
                self._proposal = None
                self.notify(f"could not propose: {exc}", severity="error", markup=False)
        self._render_proposal()
        self._render_options()
        if getattr(self.engine, "finished", False):
            self.set_status("Diagnosis reached: d shows findings and exports.")
            self.app.call_later(self.action_diagnosis)
        elif incomplete:
            self.set_status(CANCELLED)
        else:
            self.set_status("")

    def _render_proposal(self) -> None:
        box = self.query_one("#proposal", Static)
        prop = self._proposal
        node = self.engine.current
        box.display = node.type in ("ask", "check")
        if not box.display:
            return
        option = getattr(prop, "option", None)
        text = Text()
        if node.id in self._incomplete:
            text.append(CANCELLED, style="bold")
        elif option and not self._revealed:
            text.append("Proposal hidden: choose first, then see what the evidence says.")
        elif option:
            ids = [o.id for o in ways_out(node)]
            number = ids.index(option) + 1 if option in ids else None
            text.append(f"Proposed: {number or option}", style="bold")
            reason = getattr(prop, "reason", "")
            if reason:
                text.append(" - " + tx.safe(str(reason)))
            facts = getattr(prop, "facts", {}) or {}
            if facts:
                text.append("\n")
                text.append(
                    tx.safe("  ".join(f"{k}={fmt_value(v)}" for k, v in list(facts.items())[:4])),
                    style="dim",
                )
        else:
            undecided = getattr(prop, "undecided", []) or []
            text.append("No proposal: ", style="bold")
            if undecided:
                text.append("the evidence does not settle it (" + ", ".join(undecided[:3]) + ")")
            else:
                text.append("the evidence points nowhere; choose by hand")
        box.update(text)

    def _render_options(self) -> None:
        ol = self.query_one("#options", OptionList)
        ol.clear_options()
        node = self.engine.current
        opts = ways_out(node)
        proposed = getattr(self._proposal, "option", None) if self._revealed else None
        for i, opt in enumerate(opts, 1):
            prompt = Content.assemble(
                (f"{i} " if i <= 9 else "  ", "bold"),
                Content(str(opt.label)),
                (" ◀ proposed" if opt.id == proposed else "", "bold"),
            )
            ol.add_option(Option(prompt, id=opt.id))
        ol.display = bool(opts)
        ol.styles.min_height = min(len(opts), 5)
        if opts:
            ids = [o.id for o in opts]
            ol.highlighted = ids.index(proposed) if proposed in ids else 0
            if not self.gathering:
                ol.focus()

    def set_status(self, text: str, path: Any = None) -> None:
        """The status line; a `path` after the text is shortened so its file name shows."""
        self.query_one("#status", StatusLine).show(text, path)

    # ---------------------------------------------------------------- gathering

    def _on_engine_event(self, type_: str, fields: dict[str, Any]) -> None:
        """Tell the screen about each evidence event the engine emits (from its thread)."""
        if type_ == "evidence":
            self._on_emitted_evidence(fields)

    def _on_emitted_evidence(self, fields: dict[str, Any]) -> None:
        if not self.gathering:
            return
        ev = fields.get("evidence")
        if isinstance(ev, dict):
            from dropwizard.evidence import Evidence

            ev = Evidence.from_dict(ev)
        self.post_message(EvidenceArrived(str(fields.get("node", "")), ev))

    def start_gather(self) -> None:
        """Run the current node's gatherers in a thread worker; Esc cancels."""
        node = self.engine.current
        self._cancel = threading.Event()
        self.ctx.cancel = self._cancel
        self.gathering = True
        self._incomplete.discard(node.id)
        self._live = dict.fromkeys(getattr(node, "gather", []) or [])
        self._render_evidence()
        self.query_one("#proposal", Static).display = False
        self.query_one("#options", OptionList).display = False
        self.set_status(f"Checking {node.id}... Esc cancels")
        self._gather(node.id, self._cancel)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False, name="gather")
    def _gather(self, node_id: str, cancel: threading.Event) -> None:
        try:
            evs = list(self.engine.gather() or [])
        except Exception as exc:
            self.post_message(GatherFailed(node_id, exc))
            return
        self.post_message(GatherDone(node_id, evs, cancel.is_set()))

    @on(EvidenceArrived)
    def _evidence_arrived(self, msg: EvidenceArrived) -> None:
        if self.gathering and msg.node == self._node_id:
            self._live[getattr(msg.evidence, "name", "?")] = msg.evidence
            self._render_evidence()

    @on(GatherDone)
    def _gather_done(self, msg: GatherDone) -> None:
        self.gathering = False
        if msg.node != self._node_id:
            return
        for ev in msg.evidence:
            self._live[getattr(ev, "name", "?")] = ev
        self._live = {k: v for k, v in self._live.items() if v is not None}
        if msg.cancelled:
            self._incomplete.add(msg.node)
        self._render_evidence()
        if self._run_pending():
            return
        self.query_one("#proposal", Static).display = True
        self._after_evidence()

    @on(GatherFailed)
    def _gather_failed(self, msg: GatherFailed) -> None:
        self.gathering = False
        self._live = {k: v for k, v in self._live.items() if v is not None}
        self._render_evidence(f"Check failed: {type(msg.error).__name__}: {msg.error}")
        if self._run_pending():
            return
        self._after_evidence()

    def _run_pending(self) -> bool:
        pending, self._pending = self._pending, None
        if pending is None:
            return False
        pending()
        return True

    def cancel_check(self, kill: bool = True) -> bool:
        """Set the cancel flag and kill the running query; True when a check was running."""
        if not self.gathering:
            return False
        self._cancel.set()
        src = getattr(self.ctx, "source", None)
        if src is not None and callable(getattr(src, "cancel", None)):
            if kill:
                self._kill_query(src)
            else:
                try:
                    src.cancel()
                except Exception:
                    pass
        self.set_status("Cancelling... (the query is being killed)")
        return True

    @work(thread=True, group="cancel", exit_on_error=False, name="kill")
    def _kill_query(self, src: Any) -> None:
        try:
            src.cancel()
        except Exception as exc:
            self.notify(f"cancel: {exc}", severity="warning", markup=False)

    def _when_idle(self, fn: Callable[[], None]) -> None:
        """Run `fn` now, or cancel the running check and run it when the worker returns."""
        if self.gathering:
            self._pending = fn
            self.cancel_check()
        else:
            fn()

    # ----------------------------------------------------------------- actions

    def action_cancel_check(self) -> None:
        if not self.cancel_check():
            self.set_status("Nothing is running.")

    def action_pick(self, n: int) -> None:
        opts = ways_out(self.engine.current)
        if not 1 <= n <= len(opts):
            self.app.bell()
            return
        self._when_idle(lambda: self.choose(opts[n - 1].id))

    @on(OptionList.OptionSelected, "#options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        if option_id:
            self._when_idle(lambda: self.choose(option_id))

    def choose(self, option_id: str) -> None:
        """Take an option (an override when it differs from the proposal) and show the next step."""
        node = self.engine.current
        proposed = getattr(self._proposal, "option", None)
        if self.mode == "train" and proposed and not self._revealed:
            reason = getattr(self._proposal, "reason", "")
            said = self._option_text(node, proposed)
            verdict = "matches" if proposed == option_id else "differs"
            self.notify(
                f"Your choice {verdict}: the evidence says {said}. {reason}",
                markup=False,
                timeout=10,
            )
        try:
            self.engine.choose(option_id, by="operator")
        except Exception as exc:
            self.notify(f"cannot choose {option_id}: {exc}", severity="error", markup=False)
            return
        self._decided.add(node.id)
        self.show_node()

    @staticmethod
    def _option_text(node: Any, option_id: str) -> str:
        """`2 (Another fixed duration...)`: the option as the operator sees it."""
        for i, opt in enumerate(ways_out(node), 1):
            if opt.id == option_id:
                return f"{i} ({opt.label})"
        return option_id

    def action_back(self) -> None:
        def go() -> None:
            if not self.visited():
                self.set_status("Already at the first step.")
                return
            self.engine.back()
            self.show_node()

        self._when_idle(go)

    def goto(self, node_id: str) -> None:
        """Go back to a visited step."""

        def go() -> None:
            self.engine.back(to=node_id)
            self.show_node()

        self._when_idle(go)

    def action_rerun(self) -> None:
        node = self.engine.current
        if node.type != "check":
            self.set_status("This step has no check to run.")
            return
        self._when_idle(self.start_gather)

    def action_toggle_explain(self) -> None:
        c = self.query_one("#explain", Collapsible)
        c.collapsed = not c.collapsed

    def action_note(self) -> None:
        from dropwizard.tui.screens.note import NoteScreen

        self.app.push_screen(NoteScreen(self.engine.current.title), callback=self.add_note)

    def add_note(self, text: str | None) -> None:
        if not text:
            return
        self._when_idle_note(text)

    def _when_idle_note(self, text: str) -> None:
        self.engine.note(text)
        self.notify("Note saved to the transcript.", markup=False)

    def action_evidence(self) -> None:
        from dropwizard.tui.screens.evidence import EvidenceScreen

        evs = list((getattr(self.engine, "evidence", {}) or {}).get(self.engine.current.id, []))
        if not evs:
            self.set_status("No evidence for this step yet.")
            return
        self.app.push_screen(EvidenceScreen(evs, title=self.engine.current.title))

    def action_transcript(self) -> None:
        from dropwizard.tui.screens.transcript import TranscriptScreen

        self.app.push_screen(TranscriptScreen(self))

    def action_diagnosis(self) -> None:
        from dropwizard.tui.screens.diagnosis import DiagnosisScreen

        if isinstance(self.app.screen, DiagnosisScreen):
            return
        self.app.push_screen(DiagnosisScreen(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_check":
            return self.gathering or None
        return True

    # ------------------------------------------------------------- exporting

    @property
    def transcript_path(self) -> Path:
        return Path(self.session.transcript_path)

    def export(self, fmt: str) -> Path | None:
        """Save an export of the transcript; returns its path (also shown to the operator)."""
        try:
            path = self.app.backend.export(self.transcript_path, fmt)  # type: ignore[attr-defined]
        except Exception as exc:
            self.notify(f"export failed: {exc}", severity="error", markup=False)
            return None
        self.notify(f"Saved {fmt}: {path}", markup=False, timeout=10)
        self.set_status(f"Saved {fmt}: ", path)
        return path

    def copy_ticket(self) -> Path | None:
        """Copy the ticket through OSC 52 and also save it, showing where."""
        backend = self.app.backend  # type: ignore[attr-defined]
        try:
            text = backend.export_text(self.transcript_path, "ticket")
        except Exception as exc:
            self.notify(f"copy failed: {exc}", severity="error", markup=False)
            return None
        self.app.copy_to_clipboard(text)
        path = self.export("ticket")
        if path is not None:
            self.notify(
                f"Ticket copied (OSC 52; your terminal must allow it). Also saved: {path}",
                markup=False,
                timeout=10,
            )
        return path


__all__ = ["StatusBadge", "WizardScreen"]
