"""Status badges: a word readable without colour, coloured through theme variables; the one-line
status under a screen, where a saved file's path always shows its file name."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from dropwizard.tui.text import STATUS_LABEL, safe, short_path, status_value


class StatusBadge(Static):
    """`[ OK ]`, `[WARN]`, `[FAIL]`, `[ERR ]`, `[SKIP]` or `[ .. ]` while running."""

    DEFAULT_CSS = """
    StatusBadge { width: 7; height: 1; text-style: bold; padding-right: 1; }
    StatusBadge.-ok { color: $success; }
    StatusBadge.-warn { color: $warning; }
    StatusBadge.-fail, StatusBadge.-error { color: $error; }
    StatusBadge.-skipped, StatusBadge.-running { color: $text-muted; }
    """

    def __init__(self, status: object, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_status(status)

    def set_status(self, status: object) -> None:
        value = status_value(status)
        for v in STATUS_LABEL:
            self.remove_class(f"-{v}")
        self.add_class(f"-{value}")
        self.update(Text(f"[{STATUS_LABEL.get(value, value[:4].upper())}]"))


class StatusLine(Static):
    """One line of status: a message, then a path shortened to what is left of the line
    (`~` for the home directory, `…` in the middle) so the file name is always visible."""

    DEFAULT_CSS = """
    StatusLine { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.message = ""
        self.path: Any = None

    def show(self, message: str, path: Any = None) -> None:
        """Show `message`, followed by `path` (when given) fitted into the rest of the line."""
        self.message = " ".join(safe(str(message)).split("\n"))
        self.path = path
        self._fit()

    def _fit(self) -> None:
        text = self.message
        if self.path is not None:
            width = self.content_size.width or max(self.app.size.width - 2, 20)
            text += short_path(self.path, max(width - len(text), 16))
        self.update(Text(text, no_wrap=True, overflow="ellipsis"), layout=False)

    def on_resize(self) -> None:
        if self.path is not None:
            self._fit()
