"""Load flow files, report their problems as `file:line: message`, and find flows by id.

Shipped flows live in the repository's `flows/` directory; user flow directories
(`DROPWIZARD_FLOWS_PATH`, then the config's `[flows] path`) add flows or override a shipped
flow with the same id. Only `*.yaml` / `*.yml` files directly in a directory are flows:
`schema.json` and subdirectories such as `scenarios/` are not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dropwizard
from dropwizard.errors import InputError
from dropwizard.wizard.model import Flow
from dropwizard.wizard.validate import Problem, build_flow
from dropwizard.wizard.yamllines import YamlSyntaxError, load_yaml

FLOW_SUFFIXES = (".yaml", ".yml")

__all__ = [
    "FlowEntry",
    "FlowError",
    "Problem",
    "check_file",
    "check_paths",
    "find_flow",
    "flow_files",
    "list_flows",
    "load_flow",
    "shipped_dir",
    "user_dirs",
]


class FlowError(InputError):
    """A flow file with problems; `problems` holds every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        first = str(problems[0]) if problems else "flow has problems"
        more = f" (and {len(problems) - 1} more; run 'dropwizard flows check')"
        super().__init__(first + (more if len(problems) > 1 else ""))
        self.problems = problems


def shipped_dir() -> Path:
    """The repository's `flows/` directory."""
    return Path(dropwizard.__file__).resolve().parent.parent / "flows"


def user_dirs(config: Any = None) -> list[Path]:
    """User flow directories, highest priority first."""
    if config is None:
        from dropwizard.config import load_config

        config = load_config()
    return list(config.flows_path)


def flow_files(directory: Path) -> list[Path]:
    """Flow files directly inside a directory, sorted by name."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in FLOW_SUFFIXES
    )


def _parse(path: Path) -> tuple[Flow | None, list[Problem], str]:
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(file, 1, f"cannot read: {exc.strerror or exc}")], ""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(file, line, "not UTF-8 text")], digest
    try:
        data = load_yaml(text)
    except YamlSyntaxError as exc:
        return None, [Problem(file, exc.line, exc.message)], digest
    flow, problems = build_flow(data, file)
    if flow is not None:
        flow.path = path
        flow.digest = digest
    return flow, problems, digest


def check_file(path: Path | str) -> list[Problem]:
    """Every problem of one flow file (empty when it is clean)."""
    return _parse(Path(path))[1]


def load_flow(path: Path | str) -> Flow:
    """Load one flow file; raises FlowError listing every problem."""
    flow, problems, _ = _parse(Path(path))
    if problems or flow is None:
        raise FlowError(problems or [Problem(str(path), 1, "not a flow")])
    return flow


def check_paths(paths: list[Path]) -> tuple[int, list[Problem]]:
    """Check files and directories (their flow files); returns (files checked, problems)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            files += flow_files(p)
        elif p.exists():
            files.append(p)
        else:
            problems.append(Problem(str(p), 1, "no such file or directory"))
    for f in files:
        problems += check_file(f)
    return len(files), problems


@dataclass
class FlowEntry:
    """A flow file as `flows list` shows it."""

    id: str
    path: Path
    origin: str  # shipped | user
    title: str = ""
    version: int = 0
    problems: list[Problem] = field(default_factory=list)
    overridden_by: Path | None = None
    flow: Flow | None = None

    @property
    def active(self) -> bool:
        return self.overridden_by is None


def list_flows(config: Any = None) -> list[FlowEntry]:
    """Every flow file, shipped and user; an overridden one names the file that wins."""
    entries: list[FlowEntry] = []
    winners: dict[str, FlowEntry] = {}
    for origin, directory in [("user", d) for d in user_dirs(config)] + [
        ("shipped", shipped_dir())
    ]:
        for path in flow_files(directory):
            flow, problems, _ = _parse(path)
            if flow is not None and flow.id:
                entry = FlowEntry(
                    flow.id, path, origin, flow.title, flow.version, problems, flow=flow
                )
            else:
                entry = FlowEntry(path.stem, path, origin, problems=problems)
            if entry.id in winners:
                entry.overridden_by = winners[entry.id].path
            else:
                winners[entry.id] = entry
            entries.append(entry)
    return entries


def _looks_like_path(name: str) -> bool:
    return "/" in name or name.endswith(FLOW_SUFFIXES)


def find_flow(name: str, config: Any = None) -> Flow:
    """The flow with this id (user dirs first, then shipped), or a flow file path."""
    if _looks_like_path(name):
        path = Path(name).expanduser()
        if not path.exists():
            raise InputError(f"{name}: no such flow file")
        return load_flow(path)
    dirs = [*user_dirs(config), shipped_dir()]
    for directory in dirs:
        files = flow_files(directory)
        for path in sorted(files, key=lambda p: p.stem != name):
            flow, problems, _ = _parse(path)
            if path.stem == name and flow is not None and flow.id == name and problems:
                raise FlowError(problems)
            if flow is not None and flow.id == name:
                if problems:
                    raise FlowError(problems)
                return flow
    known = sorted({e.id for e in list_flows(config)})
    raise InputError(
        f"no flow named {name!r} (known: {', '.join(known) or 'none'}; see 'dropwizard flows list')"
    )
