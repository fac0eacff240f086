"""Command palette: go to a visited step, rerun the check, export, copy the ticket."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


class WizardCommands(Provider):
    """Commands that act on the current session."""

    def _wizard(self):  # type: ignore[no-untyped-def]
        from dropwizard.tui.screens.wizard import WizardScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, WizardScreen):
                return screen
        return None

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        wiz = self._wizard()
        if wiz is None:
            return []
        out: list[tuple[str, Callable[[], object], str]] = [
            ("Rerun check", wiz.action_rerun, "Run the current step's check again"),
            ("Export ticket", partial(wiz.export, "ticket"), "Save the ticket text"),
            ("Export markdown", partial(wiz.export, "markdown"), "Save a Markdown report"),
            ("Export json", partial(wiz.export, "json"), "Save the JSON report"),
            ("Copy ticket", wiz.copy_ticket, "OSC 52 copy to your clipboard, and save it"),
            ("Show transcript", wiz.action_transcript, "The session so far"),
            ("Show diagnosis", wiz.action_diagnosis, "Findings so far"),
        ]
        for node_id, title in wiz.visited():
            out.append(
                (
                    f"Go to visited node: {title} ({node_id})",
                    partial(wiz.goto, node_id),
                    "Go back to this step",
                )
            )
        return out

    async def discover(self) -> Hits:
        for name, fn, help_text in self._commands()[:8]:
            yield DiscoveryHit(Content(name), fn, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, fn, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, _highlight(matcher, name), fn, text=name, help=help_text)


def _highlight(matcher, name: str) -> Content:  # type: ignore[no-untyped-def]
    """Matched letters underlined; the name itself stays literal (titles hold brackets)."""
    content = Content(name)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        content = content.stylize("bold underline", offset, offset + 1)
    return content
