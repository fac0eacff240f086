"""Training: the trainee decides each step before the evidence-based proposal is shown."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from dropwizard.tui import keys
from dropwizard.tui import text as tx
from dropwizard.tui.screens.glossary import GlossaryScreen
from dropwizard.tui.screens.help import HelpScreen
from dropwizard.tui.text import literal, safe
from dropwizard.tui.widgets.evidence_view import EvidenceCard, RunningCard
from dropwizard.tui.widgets.keybar import KeyBar
from dropwizard.tui.widgets.status import StatusLine

TRAINING_KEYS: tuple[keys.Key, ...] = tuple(k for k in keys.KEYS if k.scope == "training")


class EvidenceArrived(Message):
    """One gatherer returned (posted from the gather thread as the engine emits it)."""

    def __init__(self, node: str, evidence: Any) -> None:
        super().__init__()
        self.node = node
        self.evidence = evidence


class RunOpened(Message):
    """The scenario's run is open (posted from the opening worker)."""

    def __init__(self, run: Any) -> None:
        super().__init__()
        self.run = run


class Presented(Message):
    """The current node's evidence is gathered (or the gathering was cancelled)."""

    def __init__(self, node: str | None, evidence: list[Any], cancelled: bool) -> None:
        super().__init__()
        self.node = node
        self.evidence = evidence
        self.cancelled = cancelled


class Judged(Message):
    """The run judged a choice."""

    def __init__(self, judgement: Any) -> None:
        super().__init__()
        self.judgement = judgement


class TrainingFailed(Message):
    """Opening, gathering or choosing raised."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__()
        self.what = what
        self.error = error


def report_path(scenario_id: str, data: Path | None = None) -> Path:
    """Where the trainer report of a run goes: `<data dir>/exports/training-<id>-<stamp>.md`."""
    if data is None:
        from dropwizard.config import data_dir

        data = data_dir()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return data / "exports" / f"training-{scenario_id}-{stamp}.md"


def judgement_text(j: Any) -> Text:
    """The verdict in words: right or not, the scenario's answer and why, the points."""
    out = Text()
    chosen = f"{safe(j.chosen_label)} ({safe(j.chosen)})"
    if j.correct is True:
        out.append("RIGHT ", style="bold")
        out.append(f"you chose {chosen}: right for this scenario.")
    elif j.correct is False:
        out.append("WRONG ", style="bold")
        out.append(f"you chose {chosen}; the answer here is ")
        supported = j.supported_label or j.supported_option or "another option"
        out.append(safe(str(supported)), style="bold")
        out.append(".")
    else:
        out.append("NOT JUDGED ", style="bold")
        out.append(f"you chose {chosen}: the evidence does not settle this step.")
    if j.why:
        out.append("\nWhy: ", style="bold")
        out.append(safe(j.why))
    out.append(f"\nPoints for this step: {j.points}", style="bold")
    if j.correct is False:
        out.append("   r: retry (costs points)   c: go on this way", style="dim")
    else:
        out.append("   c: continue", style="dim")
    return out


class TrainingScreen(Screen[None]):
    """One scenario: evidence, the trainee's choice, the judgement, hints, the final score."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("training")
    DEFAULT_CSS = """
    TrainingScreen #t-top { height: 1; background: $primary; color: $text; padding: 0 1;
        text-style: bold; }
    TrainingScreen #t-brief { height: auto; max-height: 4; padding: 0 1; color: $text; }
    TrainingScreen #t-title { height: auto; padding: 0 1; text-style: bold; }
    TrainingScreen #t-question { height: auto; padding: 0 1; }
    TrainingScreen #t-explain { height: auto; max-height: 4; overflow-y: auto; padding: 0 1 0 3;
        color: $text-muted; }
    TrainingScreen #t-explain.-full { max-height: 14; }
    TrainingScreen #t-evidence { height: 1fr; min-height: 3; padding: 0 1;
        border-top: solid $panel-lighten-2; }
    TrainingScreen #t-verdict { height: auto; max-height: 8; overflow-y: auto; padding: 0 1;
        border-top: solid $panel-lighten-2; }
    TrainingScreen #t-verdict.-right { color: $success; }
    TrainingScreen #t-verdict.-wrong { color: $warning; }
    TrainingScreen #t-hints { height: auto; max-height: 4; overflow-y: auto; padding: 0 1;
        color: $warning; }
    TrainingScreen #t-options { height: auto; max-height: 7; border: none; padding: 0;
        background: $background; }
    TrainingScreen #t-options:focus { background: $background; }
    TrainingScreen #t-results { height: 1fr; padding: 0 1; }
    TrainingScreen #t-reached.-right { color: $success; }
    TrainingScreen #t-reached.-wrong { color: $error; }
    TrainingScreen #t-status { height: 1; padding: 0 1; color: $text-muted; }
    TrainingScreen .t-head { margin-top: 1; color: $accent; text-style: bold; }
    """

    def __init__(
        self,
        scenario: Any,
        *,
        config: Any = None,
        transcript: str | Path | None = None,
        trainee: str | None = None,
        run: Any = None,
    ) -> None:
        super().__init__()
        self.scenario = scenario
        self.config = config
        self.transcript = transcript
        self.trainee = trainee
        self.run: Any = run
        self.phase = "opening"
        """opening | gathering | deciding | choosing | judged | finished | failed"""
        self.judgement: Any = None
        self.judgements: list[Any] = []
        self.hints: list[str] = []
        self.report: Path | None = None
        self._cancel = threading.Event()
        self._live: dict[str, Any] = {}
        self._node_id: str | None = None
        self._node_title = ""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="t-top")
        yield Static(id="t-brief")
        yield Static(id="t-title")
        yield Static(id="t-question")
        yield Static(id="t-explain")
        yield VerticalScroll(id="t-evidence")
        yield Static(id="t-verdict")
        yield Static(id="t-hints")
        yield OptionList(id="t-options")
        yield VerticalScroll(id="t-results")
        yield StatusLine(id="t-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#t-top", Static).update(self._topbar())
        brief = self.query_one("#t-brief", Static)
        brief.update(literal(tx.reflow(getattr(self.scenario, "brief", "") or "")))
        for wid in ("#t-verdict", "#t-hints", "#t-options", "#t-results", "#t-question"):
            self.query_one(wid).display = False
        self.query_one("#t-title", Static).update(literal("Opening the scenario…"))
        self.set_status("Generating the scenario's CDRs… (the recorded host serves the probes)")
        if self.run is None:
            self._open(self.transcript, self.trainee)
        else:
            self.post_message(RunOpened(self.run))

    def _topbar(self) -> Text:
        sc = self.scenario
        parts = ["dropwizard", "training", f"{sc.id} ({sc.difficulty})"]
        if self.run is not None:
            n = len(self.run.visits) + (1 if self.phase == "gathering" else 0)
            parts.append("results" if self.phase == "finished" else f"step {n}")
        return Text(" · ".join(safe(p) for p in parts), no_wrap=True, overflow="ellipsis")

    def set_status(self, text: str, path: Any = None) -> None:
        """The status line; a `path` after the text is shortened so its file name shows."""
        self.query_one("#t-status", StatusLine).show(text, path)

    def _set_phase(self, phase: str) -> None:
        self.phase = phase
        self.query_one("#t-top", Static).update(self._topbar())
        self.refresh_bindings()

    # ----------------------------------------------------------------- workers

    @work(thread=True, exclusive=True, group="training", exit_on_error=False, name="open")
    def _open(self, transcript: str | Path | None, trainee: str | None) -> None:
        from dropwizard.training.run import TrainingRun

        try:
            run = TrainingRun.open(
                self.scenario, config=self.config, transcript=transcript, trainee=trainee
            )
        except Exception as exc:
            self.post_message(TrainingFailed("open the scenario", exc))
            return
        self.post_message(RunOpened(run))

    @on(RunOpened)
    def _run_opened(self, msg: RunOpened) -> None:
        self.run = msg.run
        self.run.engine.add_listener(self._on_engine_event)
        self.gather(first=self.run.engine.current is None)

    def gather(self, first: bool = False) -> None:
        """Enter the current node and gather its evidence in a thread worker (Esc cancels)."""
        self._cancel = threading.Event()
        self.run.ctx.cancel = self._cancel
        self._set_phase("gathering")
        self.judgement = None
        self.hints = []
        node = None if first else self.run.current
        self._show_node(node)
        names = list(getattr(node, "gather", []) or []) if node is not None else []
        self._live = dict.fromkeys(names)
        self._render_evidence()
        self.set_status("Gathering the evidence… Esc cancels")
        self._gather(first, self._cancel)

    @work(thread=True, exclusive=True, group="training", exit_on_error=False, name="gather")
    def _gather(self, first: bool, cancel: threading.Event) -> None:
        run = self.run
        try:
            if first:
                run.start()
            if run.finished:
                self.post_message(Presented(None, [], cancel.is_set()))
                return
            evs = run.evidence()
        except Exception as exc:
            self.post_message(TrainingFailed("gather the evidence", exc))
            return
        self.post_message(Presented(run.current.id, evs, cancel.is_set()))

    def _on_engine_event(self, type_: str, fields: dict[str, Any]) -> None:
        """Evidence as each gatherer returns (called in the gather thread)."""
        if type_ != "evidence" or self.phase != "gathering":
            return
        ev = fields.get("evidence")
        if isinstance(ev, dict):
            from dropwizard.evidence import Evidence

            ev = Evidence.from_dict(ev)
        self.post_message(EvidenceArrived(str(fields.get("node", "")), ev))

    @on(EvidenceArrived)
    def _evidence_arrived(self, msg: EvidenceArrived) -> None:
        if self.phase == "gathering" and msg.node == self._node_id:
            self._live[str(getattr(msg.evidence, "name", "?"))] = msg.evidence
            self._render_evidence()

    @on(Presented)
    def _presented(self, msg: Presented) -> None:
        if self.run.finished:
            self.show_results()
            return
        self._show_node(self.run.current)
        self._live = {str(getattr(e, "name", i)): e for i, e in enumerate(msg.evidence)}
        self._set_phase("deciding")
        self._render_evidence()
        self._render_options()
        self._render_hints()
        n = len(self.run.options())
        self.set_status(f"Decide: 1-{n} or arrows + Enter · h hint · g glossary · F1 help")
        if msg.cancelled:
            self.notify(
                "Gathering cancelled: the evidence is incomplete; decide anyway.", markup=False
            )

    @work(thread=True, exclusive=True, group="training", exit_on_error=False, name="choose")
    def _choose(self, option_id: str) -> None:
        try:
            j = self.run.choose(option_id)
        except Exception as exc:
            self.post_message(TrainingFailed(f"choose {option_id}", exc))
            return
        self.post_message(Judged(j))

    @on(Judged)
    def _judged(self, msg: Judged) -> None:
        j = msg.judgement
        self.judgement = j
        self.judgements.append(j)
        verdict = self.query_one("#t-verdict", Static)
        verdict.set_class(j.correct is True, "-right")
        verdict.set_class(j.correct is False, "-wrong")
        verdict.update(judgement_text(j))
        verdict.display = True
        self.query_one("#t-options", OptionList).display = False
        self.query_one("#t-hints", Static).display = False
        self._set_phase("judged")
        if j.correct is False:
            self.set_status("r retries this step (the wrong attempt costs points); c goes on.")
        elif self.run.finished:
            self.set_status("That was the last step: c shows the score and the debrief.")
        else:
            self.set_status("c: on to the next step.")

    @on(TrainingFailed)
    def _failed(self, msg: TrainingFailed) -> None:
        text = f"Could not {msg.what}: {type(msg.error).__name__}: {msg.error}"
        self.notify(text, severity="error", markup=False, timeout=10)
        self.set_status(text)
        if self.run is None:
            self._set_phase("failed")
            self.query_one("#t-title", Static).update(literal(text))
        else:
            self._set_phase("deciding" if not self.run.finished else "finished")
            self._render_options()

    # ----------------------------------------------------------------- display

    def _show_node(self, node: Any) -> None:
        self._node_id = getattr(node, "id", None)
        self._node_title = str(getattr(node, "title", "") or "")
        title = self.query_one("#t-title", Static)
        question = self.query_one("#t-question", Static)
        explain = self.query_one("#t-explain", Static)
        self.query_one("#t-verdict", Static).display = False
        self.query_one("#t-brief", Static).display = (
            self.run is not None and not self.run.decisions()
        )
        if node is None:
            title.update(literal("Opening the first step…"))
            question.display = False
            explain.update("")
            return
        head = Text(f"[{node.type}] ", style="bold")
        head.append(safe(str(node.title)))
        title.update(head)
        q = getattr(node, "question", None) or ""
        question.update(literal(q))
        question.display = bool(q)
        explain.update(literal(tx.reflow(getattr(node, "explain", "") or "")))

    def _render_evidence(self) -> None:
        box = self.query_one("#t-evidence", VerticalScroll)
        box.remove_children()
        widgets: list[Any] = []
        for name, ev in self._live.items():
            widgets.append(RunningCard(name) if ev is None else EvidenceCard(ev))
        if not widgets and self.phase != "gathering":
            widgets.append(
                Static(literal("No evidence at this step: decide from the brief."), classes="dim")
            )
        if widgets:
            box.mount_all(widgets)

    def _render_options(self) -> None:
        ol = self.query_one("#t-options", OptionList)
        ol.clear_options()
        opts = self.run.options() if self.run is not None and not self.run.finished else []
        for i, opt in enumerate(opts, 1):
            prompt = Content.assemble((f"{i} " if i <= 9 else "  ", "bold"), Content(opt.label))
            ol.add_option(Option(prompt, id=opt.id))
        ol.display = bool(opts)
        if opts:
            ol.highlighted = 0
            ol.focus()

    def _render_hints(self) -> None:
        box = self.query_one("#t-hints", Static)
        left = self.run.hints_left() if self.phase == "deciding" else 0
        cost = self.run.rules.hint_cost
        out = Text()
        for i, h in enumerate(self.hints, 1):
            out.append(f"Hint {i}: ", style="bold")
            out.append(safe(h) + "\n")
        out.append(
            f"Proposal hidden until you choose · h: hint ({left} left, -{cost} points each)",
            style="dim",
        )
        box.update(out)
        box.display = True

    def show_results(self) -> None:
        """The end: score, finding reached vs the true diagnosis, the debrief, the export key."""
        run = self.run
        self._set_phase("finished")
        for wid in (
            "#t-brief",
            "#t-title",
            "#t-question",
            "#t-explain",
            "#t-evidence",
            "#t-verdict",
            "#t-hints",
            "#t-options",
        ):
            self.query_one(wid).display = False
        box = self.query_one("#t-results", VerticalScroll)
        box.remove_children()
        score = run.score()
        right = run.diagnosis_correct()
        head = Text(f"Score {score.total}/{score.maximum} ({score.percent} %)", style="bold")
        reached = ", ".join(run.reached()) or "no finding"
        verdict = Text()
        verdict.append("Reached: ", style="bold")
        verdict.append(safe(reached))
        verdict.append("\nTrue diagnosis: ", style="bold")
        verdict.append(safe(run.scenario.diagnosis.describe()))
        verdict.append(
            "\nThe diagnosis is right." if right else "\nThe diagnosis was missed.", style="bold"
        )
        for note in run.attribution():
            verdict.append("\nNote: " + safe(note), style="dim")
        widgets: list[Static] = [
            Static(head, id="t-score-head"),
            Static(literal("\n".join(score.lines())), id="t-score"),
            Static(verdict, id="t-reached", classes="-right" if right else "-wrong"),
            Static(Text("Debrief"), classes="t-head"),
            Static(literal(tx.reflow(run.debrief or "")), id="t-debrief"),
            Static(
                literal("e: save the trainer report · g: glossary · ctrl+q: quit"),
                id="t-export",
                classes="dim",
            ),
        ]
        box.mount_all(widgets)
        box.display = True
        box.focus()
        self.set_status(
            f"Done: {score.correct}/{score.judged} decisions right, {score.hints} hint(s), "
            f"{score.seconds:.0f} s. e saves the trainer report."
        )

    # ----------------------------------------------------------------- actions

    def action_pick(self, n: int) -> None:
        if self.phase != "deciding":
            self.app.bell()
            return
        opts = self.run.options()
        if not 1 <= n <= len(opts):
            self.app.bell()
            return
        self.choose(opts[n - 1].id)

    @on(OptionList.OptionSelected, "#t-options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and self.phase == "deciding":
            self.choose(event.option.id)

    def choose(self, option_id: str) -> None:
        """Submit the trainee's choice; the judgement arrives from the worker."""
        self._set_phase("choosing")
        self.set_status(f"Checking your choice {option_id}…")
        self._choose(option_id)

    def action_hint(self) -> None:
        if self.phase != "deciding":
            self.set_status("Hints are for the step you are deciding.")
            return
        if self.run.hints_left() <= 0:
            self.set_status("No hints left for this step.")
            return
        try:
            text = self.run.hint()
        except Exception as exc:
            self.notify(f"no hint: {exc}", severity="warning", markup=False)
            return
        self.hints.append(text)
        self._render_hints()
        self.set_status(f"Hint taken: -{self.run.rules.hint_cost} points.")

    def action_retry(self) -> None:
        if self.phase != "judged" or not self.run.can_retry():
            self.set_status("Nothing to retry: the last choice was not a wrong one.")
            return
        try:
            self.run.retry()
        except Exception as exc:
            self.notify(f"cannot retry: {exc}", severity="error", markup=False)
            return
        self.judgement = None
        self._show_node(self.run.current)
        self._live = {str(getattr(e, "name", i)): e for i, e in enumerate(self.run.evidence())}
        self._set_phase("deciding")
        self._render_evidence()
        self._render_options()
        self._render_hints()
        self.set_status("Retry: decide this step again.")

    def action_next(self) -> None:
        if self.phase != "judged":
            return
        if self.run.finished:
            self.show_results()
        else:
            self.gather()

    def action_cancel(self) -> None:
        if self.phase == "gathering":
            self._cancel.set()
            self.set_status("Cancelling… the gatherers still running are skipped.")
        elif self.phase == "opening":
            self.set_status("Opening cannot be cancelled; ctrl+q quits.")

    def action_evidence(self) -> None:
        from dropwizard.tui.screens.evidence import EvidenceScreen

        evs = [e for e in self._live.values() if e is not None]
        if not evs or self.phase in ("finished", "opening"):
            self.set_status("No evidence at this step.")
            return
        self.app.push_screen(EvidenceScreen(evs, title=self._node_title))

    def action_toggle_explain(self) -> None:
        self.query_one("#t-explain", Static).toggle_class("-full")

    def action_glossary(self) -> None:
        self.app.push_screen(GlossaryScreen())

    def action_help(self) -> None:
        node = None
        if self.run is not None and not self.run.finished:
            node = self.run.current
        keymap = getattr(getattr(self.app, "options", None), "keymap", {}) or {}
        self.app.push_screen(TrainingHelpScreen(node=node, keymap=keymap))

    def action_export(self) -> Path | None:
        """Write the trainer report atomically into the data dir and show its path."""
        if self.run is None:
            self.set_status("The scenario is not open yet.")
            return None
        from dropwizard.transcript.atomic import write_atomic

        try:
            path = report_path(self.scenario.id)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, self.run.report_markdown())
        except Exception as exc:
            self.notify(f"report not saved: {exc}", severity="error", markup=False)
            return None
        self.report = path
        self.notify(f"Trainer report saved: {path}", markup=False, timeout=10)
        self.set_status("Trainer report saved: ", path)
        if self.phase == "finished":
            self.query_one("#t-export", Static).update(literal(f"Trainer report saved: {path}"))
            self.query_one("#t-results", VerticalScroll).scroll_end(animate=False)
        return path

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hint":
            return self.phase == "deciding" or None
        if action == "retry":
            return (self.phase == "judged" and self.run.can_retry()) or None
        if action == "next":
            return self.phase == "judged" or None
        if action == "cancel":
            return self.phase in ("gathering", "opening") or None
        if action == "export":
            return self.run is not None or None
        return True

    def close_run(self) -> None:
        """Stop gathering and close the run (the generated source, the transcript)."""
        self._cancel.set()
        run, self.run = self.run, None
        if run is None:
            return
        try:
            run.engine.remove_listener(self._on_engine_event)
            run.close()
        except Exception:
            pass


class TrainingHelpScreen(HelpScreen):
    """F1 in training: the training keys, the step's help, the app's keys; g opens the glossary."""

    def on_mount(self) -> None:
        from rich import box
        from rich.table import Table

        t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
        t.add_column(Text("Key"), no_wrap=True)
        t.add_column(Text("Does"))
        t.add_column(Text("id"), no_wrap=True, style="dim")
        for k in TRAINING_KEYS:
            if not k.help:
                continue
            key, what = ("1-9", k.help) if k.id == "training.option1" else (k.key, k.help)
            t.add_row(literal(key), literal(what), literal(k.id))
        t.add_row(literal("g (here)"), literal("The glossary: Q.850, SIP, RFC 4028, NAT..."), "")
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.mount(Static(Text("Training keys", style="bold"), classes="help-head"), before=0)
        scroll.mount(Static(t), before=1)
