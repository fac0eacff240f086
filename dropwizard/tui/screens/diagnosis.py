"""Diagnosis: findings ranked with fixes vs workarounds, what was checked, exports and copy."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Static

from dropwizard.tui import keys
from dropwizard.tui.text import clip, literal, safe, status_value
from dropwizard.tui.widgets.keybar import KeyBar
from dropwizard.tui.widgets.status import StatusBadge, StatusLine

GROUPS = (("FIX", "Fix"), ("WORKAROUND", "Workaround"), ("CHECK", "Check"))


def ranked(findings: list[Any]) -> list[Any]:
    """Most important first (the core's ranking)."""
    from dropwizard.diagnosis.finding import rank_findings

    try:
        return rank_findings(list(findings))
    except (AttributeError, TypeError):
        return list(findings)


def split_recommendations(recs: list[str]) -> list[tuple[str, list[str]]]:
    """Group `FIX: ...`, `WORKAROUND: ...`, `CHECK: ...`; anything else counts as a fix."""
    groups: dict[str, list[str]] = {k: [] for k, _ in GROUPS}
    for r in recs:
        head, sep, rest = r.partition(":")
        key = head.strip().upper()
        if sep and key in groups:
            groups[key].append(rest.strip())
        else:
            groups["FIX"].append(r)
    return [(label, groups[k]) for k, label in GROUPS if groups[k]]


class DiagnosisScreen(Screen):
    """What the walk found, and the ticket to send."""

    BINDINGS: ClassVar[list[BindingType]] = keys.bindings("diagnosis")

    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.wizard = wizard

    def compose(self) -> ComposeResult:
        eng = self.wizard.engine
        findings = ranked(getattr(eng, "findings", []) or [])
        head = Text("Diagnosis", style="bold")
        state = "finished" if getattr(eng, "finished", False) else "so far (walk not finished)"
        head.append(f" - {len(findings)} finding(s), {state}")
        yield Static(head, id="diag-top")
        with VerticalScroll(id="diag-body"):
            if not findings:
                yield Static(literal("No finding yet: keep walking, or check the evidence."))
            for i, f in enumerate(findings, 1):
                yield from self._finding(i, f)
            yield from self._also_seen(findings)
            yield Static(Text("What was checked", style="bold"), classes="section")
            any_ev = False
            for node_id, evs in (getattr(eng, "evidence", {}) or {}).items():
                for ev in evs:
                    any_ev = True
                    with Horizontal(classes="checked"):
                        yield StatusBadge(getattr(ev, "status", ""))
                        line = Text(f"{node_id}: ", style="dim")
                        line.append(safe(f"{getattr(ev, 'name', '?')} "))
                        line.append(clip(getattr(ev, "summary", ""), 120))
                        yield Static(line, classes="checked-line")
            if not any_ev:
                yield Static(literal("(no checks ran)"))
            flow = getattr(self.wizard.ctx, "flow", None)
            prevention = getattr(flow, "prevention", None) or []
            if prevention and getattr(eng, "finished", False):
                yield Static(Text("Prevention", style="bold"), classes="section")
                for p in prevention:
                    yield Static(literal(f"• {p.text}" + (f" ({p.where})" if p.where else "")))
        with Horizontal(id="diag-buttons"):
            yield Button("Ticket k", id="exp-ticket", compact=True)
            yield Button("Markdown m", id="exp-markdown", compact=True)
            yield Button("JSON j", id="exp-json", compact=True)
            yield Button("Copy ticket c", id="copy", variant="primary", compact=True)
        yield StatusLine(id="diag-status")
        yield KeyBar()

    def _also_seen(self, findings: list[Any]) -> list[Static]:
        """High and medium findings the evidence reported off the path taken."""
        from dropwizard.transcript.export import also_seen

        records = [
            ev.to_dict()
            for evs in (getattr(self.wizard.engine, "evidence", {}) or {}).values()
            for ev in evs
            if hasattr(ev, "to_dict")
        ]
        others = also_seen([f.to_dict() for f in findings], records)
        if not others:
            return []
        out = [
            Static(
                Text("Also seen in the evidence (not on this path)", style="bold"),
                classes="section",
            )
        ]
        for f in others:
            line = Text(f"• [{str(f.get('severity')).upper()}] ", style="bold")
            line.append(safe(str(f.get("title") or f.get("id"))))
            where = f", gateway {f['gateway']}" if f.get("gateway") else ""
            line.append(safe(f"  ({f.get('id')}{where}, {f.get('calls') or 0} calls)"), style="dim")
            out.append(Static(line, classes="finding-line"))
        return out

    def _finding(self, i: int, f: Any) -> list[Static]:
        sev = str(getattr(f.severity, "value", f.severity))
        head = Text(f"{i}. ")
        head.append(f"[{sev.upper()}] ", style="bold")
        head.append(safe(str(f.title)), style="bold")
        head.append(f"  ({f.id}, confidence {f.confidence:.0%}", style="dim")
        if f.gateway:
            head.append(safe(f", gateway {f.gateway}"), style="dim")
        if f.side:
            head.append(f", {f.side} side", style="dim")
        if f.calls:
            head.append(f", {f.calls} calls", style="dim")
        head.append(")", style="dim")
        out = [Static(head, classes=f"finding sev-{sev}")]
        for e in f.evidence:
            out.append(Static(literal("  • " + e), classes="finding-line"))
        for label, items in split_recommendations(list(f.recommendations)):
            for it in items:
                t = Text(f"  {label}: ", style="bold")
                t.append(safe(it))
                out.append(Static(t, classes=f"rec rec-{label.lower()}"))
        return out

    def on_mount(self) -> None:
        """The findings take the keyboard first (arrows and pages scroll them); Tab reaches the
        buttons, whose keys work from anywhere on the screen."""
        self.query_one("#diag-body", VerticalScroll).focus()

    def _show_path(self, what: str, path: Any) -> None:
        if path is not None:
            self.query_one("#diag-status", StatusLine).show(f"{what}: ", path)

    def action_scroll(self, how: str) -> None:
        """Scroll the findings whatever has the focus (pages, top, bottom)."""
        body = self.query_one("#diag-body", VerticalScroll)
        {
            "page_down": body.scroll_page_down,
            "page_up": body.scroll_page_up,
            "home": body.scroll_home,
            "end": body.scroll_end,
        }[how](animate=False)

    def action_export(self, fmt: str) -> None:
        self._show_path(f"Saved {fmt}", self.wizard.export(fmt))

    def action_copy_ticket(self) -> None:
        self._show_path("Copied ticket (OSC 52), saved", self.wizard.copy_ticket())

    def action_close(self) -> None:
        self.dismiss()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid == "copy":
            self.action_copy_ticket()
        elif bid.startswith("exp-"):
            self.action_export(bid[4:])


__all__ = ["DiagnosisScreen", "status_value"]
