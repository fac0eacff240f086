"""Status badges: a word readable without colour, coloured through theme variables."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from dropwizard.tui.text import STATUS_LABEL, status_value


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
