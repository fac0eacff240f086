"""The path so far: a one-line breadcrumb (narrow) and a tree of visited steps (wide)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static, Tree


@dataclass
class Crumb:
    """One visited step: node id, title, the option taken (if any) and who chose it."""

    node: str
    title: str
    option: str | None = None
    by: str | None = None


def breadcrumb_text(crumbs: Sequence[Crumb], width: int) -> Text:
    """`start › step1 › step2 › current`, cut from the left to fit `width`."""
    parts = [c.node for c in crumbs]
    text = " › ".join(parts)
    if len(text) > width > 4:
        text = "… " + text[-(width - 2) :]
    return Text(text, no_wrap=True, overflow="ellipsis")


class Breadcrumb(Static):
    """Path so far on one line."""

    DEFAULT_CSS = """
    Breadcrumb { height: 1; color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.crumbs: list[Crumb] = []

    def set_path(self, crumbs: Sequence[Crumb]) -> None:
        self.crumbs = list(crumbs)
        self.refresh()

    def render(self) -> Text:
        return breadcrumb_text(self.crumbs, self.size.width or 80)


class PathTree(Tree[str]):
    """Visited steps as a tree; each shows the option taken and whether it was an override."""

    DEFAULT_CSS = """
    PathTree { width: 32; border-right: solid $panel-lighten-2; padding: 0 1; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Path"), id=id)
        self.show_root = False
        self.guide_depth = 2

    def set_path(self, crumbs: Sequence[Crumb]) -> None:
        self.clear()
        last = None
        for i, c in enumerate(crumbs, 1):
            label = Text(f"{i}. {c.title or c.node}")
            if c.option:
                label.append(f" → {c.option}", style="dim")
            if c.by == "override":
                label.append(" (override)", style="italic")
            last = self.root.add_leaf(label, data=c.node)
        self.root.expand()
        if last is not None:
            self.move_cursor(last)
