"""Every key binding of the app, by id, remappable from the config file's `[keys]` section.

```toml
[keys]
"wizard.back" = "b,left"   # full id
rerun = "f5"               # or the part after the dot, when it names one binding
```
Keys that terminal multiplexers or the tty swallow are refused (ctrl+s, ctrl+a, ctrl+b, ctrl+j ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding

from dropwizard.errors import InputError

FORBIDDEN: frozenset[str] = frozenset(
    {
        "ctrl+s",
        "ctrl+a",
        "ctrl+b",
        "ctrl+j",
        "ctrl+m",
        "ctrl+i",
        "ctrl+h",
        "ctrl+z",
        "ctrl+backslash",
    }
)
"""Keys tmux/screen/the tty take, or that arrive as enter/tab/backspace."""


@dataclass(frozen=True)
class Key:
    """One binding: id, default key(s), action, Footer label, and where it applies."""

    id: str
    key: str
    action: str
    description: str
    scope: str
    show: bool = True
    priority: bool = False
    help: str = ""


KEYS: tuple[Key, ...] = (
    Key("app.help", "f1", "help", "Help", "app", help="Keys and the current step's help"),
    Key(
        "app.quit",
        "ctrl+q",
        "quit",
        "Quit",
        "app",
        priority=True,
        help="Quit (the session is saved)",
    ),
    Key(
        "app.palette",
        "ctrl+p",
        "command_palette",
        "Commands",
        "app",
        show=False,
        priority=True,
        help="Command palette: go to a visited step, rerun, export, copy",
    ),
    Key("start.go", "f5", "start", "Start", "start", help="Start the session"),
    Key(
        "start.resume", "ctrl+r", "resume", "Resume", "start", help="Resume the unfinished session"
    ),
    Key(
        "start.cancel",
        "escape",
        "cancel_open",
        "Cancel",
        "start",
        help="Stop waiting for the source being opened (nothing is saved)",
    ),
    Key("wizard.back", "b", "back", "Back", "wizard", help="Go back one step"),
    Key("wizard.rerun", "r", "rerun", "Rerun", "wizard", help="Run the current check again"),
    Key(
        "wizard.cancel",
        "escape",
        "cancel_check",
        "Cancel",
        "wizard",
        show=False,
        help="Cancel the running check (kills the query)",
    ),
    Key("wizard.note", "n", "note", "Note", "wizard", help="Add a note to the transcript"),
    Key(
        "wizard.evidence",
        "v",
        "evidence",
        "Evidence",
        "wizard",
        help="Evidence detail: full table, exact SQL or command line, raw output",
    ),
    Key(
        "wizard.explain",
        "w",
        "toggle_explain",
        "Why",
        "wizard",
        show=False,
        help="Show or hide why this step matters",
    ),
    Key("wizard.transcript", "t", "transcript", "Log", "wizard", help="The transcript so far"),
    Key(
        "wizard.diagnosis",
        "d",
        "diagnosis",
        "Diagnosis",
        "wizard",
        help="Findings so far, exports and copy",
    ),
    *(
        Key(
            f"wizard.option{n}",
            str(n),
            f"pick({n})",
            f"Option {n}",
            "wizard",
            show=False,
            help=f"Choose option {n}" if n == 1 else "",
        )
        for n in range(1, 10)
    ),
    Key(
        "diagnosis.ticket",
        "k",
        "export('ticket')",
        "Ticket",
        "diagnosis",
        help="Save the ticket text and show its path",
    ),
    Key(
        "diagnosis.markdown",
        "m",
        "export('markdown')",
        "Markdown",
        "diagnosis",
        help="Save a Markdown report",
    ),
    Key("diagnosis.json", "j", "export('json')", "JSON", "diagnosis", help="Save the JSON report"),
    Key(
        "diagnosis.copy",
        "c",
        "copy_ticket",
        "Copy",
        "diagnosis",
        help="Copy the ticket to your clipboard (OSC 52) and save it",
    ),
    Key("diagnosis.close", "escape", "close", "Back", "diagnosis", help="Back to the wizard"),
    Key(
        "diagnosis.page_down",
        "pagedown",
        "scroll('page_down')",
        "Page down",
        "diagnosis",
        show=False,
        help="Scroll the findings (pageup, home and end too, from any focus)",
    ),
    Key("diagnosis.page_up", "pageup", "scroll('page_up')", "Page up", "diagnosis", show=False),
    Key("diagnosis.top", "home", "scroll('home')", "Top", "diagnosis", show=False),
    Key("diagnosis.bottom", "end", "scroll('end')", "Bottom", "diagnosis", show=False),
    Key("transcript.note", "n", "note", "Note", "transcript", help="Add a note"),
    Key("transcript.close", "escape", "close", "Back", "transcript", help="Back"),
    Key(
        "evidence.prev",
        "left",
        "step(-1)",
        "Prev",
        "evidence",
        priority=True,
        help="Previous evidence record",
    ),
    Key(
        "evidence.next",
        "right",
        "step(1)",
        "Next",
        "evidence",
        priority=True,
        help="Next evidence record",
    ),
    Key("evidence.close", "escape", "close", "Back", "evidence", help="Back"),
    Key("help.close", "escape,f1", "close", "Close", "help", help="Close help"),
    Key("note.cancel", "escape", "dismiss_note", "Cancel", "note", help="Drop the note"),
    Key("password.cancel", "escape", "give_up", "Cancel", "password", help="Do not try a password"),
    Key("training.hint", "h", "hint", "Hint", "training", help="Take a hint (costs points)"),
    Key("training.retry", "r", "retry", "Retry", "training", help="Decide a wrong step again"),
    Key("training.next", "c", "next", "Continue", "training", help="Go on to the next step"),
    Key("training.glossary", "g", "glossary", "Glossary", "training", help="Open the glossary"),
    Key(
        "training.evidence",
        "v",
        "evidence",
        "Evidence",
        "training",
        help="Evidence detail: full table, exact SQL or command line, raw output",
    ),
    Key(
        "training.explain",
        "w",
        "toggle_explain",
        "Why",
        "training",
        show=False,
        help="Show all of the step's explanation, or four lines of it",
    ),
    Key(
        "training.export",
        "e",
        "export",
        "Report",
        "training",
        help="Save the trainer report (Markdown) and show its path",
    ),
    Key(
        "training.cancel",
        "escape",
        "cancel",
        "Cancel",
        "training",
        show=False,
        help="Cancel the evidence being gathered",
    ),
    Key("training.help", "f1", "help", "Help", "training", help="Keys, this step's help, glossary"),
    *(
        Key(
            f"training.option{n}",
            str(n),
            f"pick({n})",
            f"Option {n}",
            "training",
            show=False,
            help="Choose that option" if n == 1 else "",
        )
        for n in range(1, 10)
    ),
    Key("glossary.close", "escape", "close", "Back", "glossary", help="Close the glossary"),
    Key("glossary.down", "down", "move(1)", "Next", "glossary", show=False, help="Next term"),
    Key("glossary.up", "up", "move(-1)", "Prev", "glossary", show=False, help="Previous term"),
    Key("help.glossary", "g", "glossary", "Glossary", "help", help="Open the glossary"),
)

BY_ID: dict[str, Key] = {k.id: k for k in KEYS}


def bindings(scope: str) -> list[Binding]:
    """Textual bindings of one scope, each carrying its id."""
    return [
        Binding(
            k.key,
            k.action,
            k.description,
            show=k.show,
            priority=k.priority,
            id=k.id,
            tooltip=k.help,
        )
        for k in KEYS
        if k.scope == scope
    ]


def _resolve(name: str) -> str:
    if name in BY_ID:
        return name
    matches = [k.id for k in KEYS if k.id.split(".", 1)[1] == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError(
            f"config [keys]: {name!r} is ambiguous ({', '.join(matches)}); write the full id"
        )
    raise InputError(
        f"config [keys]: no key binding named {name!r}; ids are listed by F1 in the wizard"
    )


def _check_keys(binding_id: str, value: str) -> str:
    keys = [k.strip().lower() for k in value.split(",") if k.strip()]
    if not keys:
        raise InputError(f"config [keys]: {binding_id} = {value!r} names no key")
    for k in keys:
        if k in FORBIDDEN:
            raise InputError(
                f"config [keys]: {binding_id} = {k!r} is taken by terminals or multiplexers;"
                " choose another key"
            )
    return ",".join(keys)


def keymap_from_config(keys: Mapping[str, str]) -> dict[str, str]:
    """Validate the `[keys]` table into a Textual keymap (binding id -> keys)."""
    return {(bid := _resolve(name)): _check_keys(bid, value) for name, value in keys.items()}


def effective_key(binding_id: str, keymap: Mapping[str, str]) -> str:
    """The key(s) a binding answers to after remapping."""
    return keymap.get(binding_id, BY_ID[binding_id].key)
