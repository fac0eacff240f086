"""One line of the keys that work here (as remapped): a light Footer that renders as text."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.widget import Widget


class KeyBar(Widget):
    """`b Back  r Rerun  ...  ^p Commands`; disabled actions dimmed; follows remapped keys."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--label", "keybar--off"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $text; }
    KeyBar > .keybar--key { color: $accent; text-style: bold; }
    KeyBar > .keybar--label { color: $text; }
    KeyBar > .keybar--off { color: $text-disabled; }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Any) -> None:
        self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        label_style = self.get_component_rich_style("keybar--label")
        off_style = self.get_component_rich_style("keybar--off")
        out = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        palette = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.action in ("command_palette", "app.command_palette"):
                palette = binding
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            out.append(
                " " + self.app.get_key_display(binding), off_style if not enabled else key_style
            )
            out.append(" " + binding.description + " ", off_style if not enabled else label_style)
        if palette is not None and self.app.ENABLE_COMMAND_PALETTE:
            tail = Text.assemble(
                (self.app.get_key_display(palette), key_style), (" Commands ", label_style)
            )
            gap = self.size.width - out.cell_len - tail.cell_len
            if gap >= 1:  # on narrow terminals the palette stays listed under F1 only
                out.append(" " * gap)
                out.append_text(tail)
        return out
