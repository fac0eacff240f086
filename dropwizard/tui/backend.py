"""What the app asks of the core: open or resume a session, list flows, read and export
transcripts. Heavy modules are imported on first use so the first frame comes fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dropwizard.scope import Scope

EXPORT_EXT: dict[str, str] = {"ticket": "txt", "markdown": "md", "json": "json"}


@dataclass
class StartRequest:
    """What the start screen (or the command line) asks for."""

    source: str
    scope: Scope = field(default_factory=Scope)
    flow: str = "call-drop"
    mode: str = "diagnose"


@dataclass
class Resumable:
    """An unfinished session the start screen offers to resume."""

    path: Path
    flow: str = ""
    node: str = ""
    source: str = ""
    started: str = ""


class Backend:
    """The real core. Tests pass a `registry` to add their own gatherers."""

    def __init__(self, config: Any = None, registry: Any = None) -> None:
        self.config = config
        self.registry = registry

    def open_session(self, req: StartRequest) -> Any:
        from dropwizard.session import Session

        kwargs: dict[str, Any] = {}
        if self.registry is not None:
            kwargs["registry"] = self.registry
        return Session.create(
            flow=req.flow,
            source=req.source,
            scope=req.scope,
            mode=req.mode,
            config=self.config,
            **kwargs,
        )

    def resume_session(self, path: Path | None) -> Any:
        from dropwizard.session import Session

        kwargs: dict[str, Any] = {}
        if self.registry is not None:
            kwargs["registry"] = self.registry
        return Session.resume(path, config=self.config, **kwargs)

    def latest_unfinished(self) -> Resumable | None:
        from dropwizard.transcript.sessions import latest_unfinished

        info = latest_unfinished()
        if info is None:
            return None
        return Resumable(
            path=Path(info.path),
            flow=info.flow or "",
            node=info.last_node or "",
            source=info.source or "",
            started=info.started or "",
        )

    def session_mode(self, session: Any) -> str:
        """diagnose or train, as recorded when the session started."""
        from dropwizard.transcript.sessions import session_info

        info = session_info(session.transcript_path)
        return (info.mode if info and info.mode else None) or "diagnose"

    def flow_names(self) -> list[str]:
        from dropwizard.wizard.loader import list_flows

        names = [e.id for e in list_flows(self.config) if e.active and not e.problems]
        return names or ["call-drop"]

    def source_names(self) -> dict[str, str]:
        return dict(getattr(self.config, "sources", {}) or {})

    def read_events(self, path: Path) -> list[dict[str, Any]]:
        from dropwizard.transcript.log import read_events

        events, _warnings = read_events(path)
        return list(events)

    def export(self, transcript: Path, fmt: str, out_dir: Path | None = None) -> Path:
        """Render the transcript as `fmt` and write it atomically next to the sessions."""
        from dropwizard.config import data_dir
        from dropwizard.transcript.atomic import write_atomic
        from dropwizard.transcript.export import export_text

        text = export_text(self.read_events(transcript), fmt)
        folder = out_dir or (data_dir() / "exports")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{Path(transcript).stem}.{fmt}.{EXPORT_EXT.get(fmt, 'txt')}"
        write_atomic(path, text)
        return path

    def export_text(self, transcript: Path, fmt: str) -> str:
        from dropwizard.transcript.export import export_text

        return export_text(self.read_events(transcript), fmt)
