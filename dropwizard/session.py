"""A diagnosis session: a flow walked against a CDR source, recorded in a transcript.

The CLI, the TUI and training all start and resume walks through `Session`
(docs/engine-api.md); the transcript is the only state, so a resumed session is the
interrupted one.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dropwizard import __version__
from dropwizard.config import Config, load_config
from dropwizard.errors import DropwizardError, InputError
from dropwizard.gather import GatherContext, Registry
from dropwizard.scope import Scope
from dropwizard.wizard.engine import Engine, EngineError
from dropwizard.wizard.loader import find_flow, load_flow
from dropwizard.wizard.model import Flow
from dropwizard.wizard.registry import session_registry

NO_SOURCE = "none"


def strip_password(spec: str) -> str:
    """A source spec without any password: `mysql://u:pw@h/db` -> `mysql://u@h/db`."""
    if "://" not in spec:
        return spec
    try:
        parts = urlsplit(spec)
    except ValueError:
        return spec.split("://", 1)[0] + "://?"
    if parts.password is None and ":" not in (parts.netloc.rpartition("@")[0]):
        return spec
    user, _, host = parts.netloc.rpartition("@")
    user = user.split(":", 1)[0]
    netloc = f"{user}@{host}" if user else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def open_cdr_source(spec: str, config: Config | None) -> Any:
    """Open a CDR source through `dropwizard.cdr.open_source`."""
    try:
        from dropwizard.cdr import open_source  # type: ignore[attr-defined]
    except ImportError:
        raise DropwizardError(
            f"--source {strip_password(spec)}: CDR sources are unavailable in this installation "
            "(dropwizard.cdr.open_source is missing); run without --source"
        ) from None
    return open_source(spec, config)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _new_session_path() -> Path:
    try:
        from dropwizard.transcript.sessions import new_session_path
    except ImportError:
        raise DropwizardError(
            "the session directory is unavailable in this installation; name a file with "
            "--transcript"
        ) from None
    return Path(new_session_path())


def _latest_unfinished() -> Path | None:
    try:
        from dropwizard.transcript.sessions import latest_unfinished
    except ImportError:
        raise DropwizardError(
            "the session directory is unavailable in this installation; name the transcript "
            "file to resume"
        ) from None
    found = latest_unfinished()
    if found is None:
        return None
    return Path(getattr(found, "path", found))


def _resolve_transcript(name: str | Path) -> Path:
    """A transcript path, or a session id within the sessions directory."""
    try:
        from dropwizard.transcript.sessions import resolve_transcript
    except ImportError:
        return Path(name)
    return Path(resolve_transcript(name))


class Session:
    """One walk: its engine, gather context, transcript and open CDR source."""

    def __init__(
        self,
        *,
        engine: Engine,
        ctx: GatherContext,
        log: Any,
        session_id: str,
        source: Any = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.engine = engine
        self.ctx = ctx
        self.log = log
        self.transcript_path: Path = Path(log.path)
        self.session_id = session_id
        self.source = source
        self.warnings = warnings or []

    @property
    def flow(self) -> Flow:
        return self.engine.flow

    @classmethod
    def create(
        cls,
        flow: str | Flow = "call-drop",
        source: str | None = "demo",
        scope: Scope | None = None,
        mode: str = "diagnose",
        transcript: str | Path | None = None,
        config: Config | None = None,
        capture: str | None = None,
        *,
        registry: Registry | None = None,
        params: Mapping[str, Any] | None = None,
        answers: Mapping[str, Any] | None = None,
    ) -> Session:
        """Open the source and a new transcript, record the start, and enter the first node.

        `answers` (the answers file of a headless walk: `path`, `sha256`, `answers`) is recorded
        in `session_started`, so a resumed walk takes the same answers.
        """
        from dropwizard.transcript.log import TranscriptLog

        config = config if config is not None else load_config()
        flow_obj = flow if isinstance(flow, Flow) else find_flow(flow, config)
        registry = registry if registry is not None else session_registry()
        scope = scope or Scope()
        src = open_cdr_source(source, config) if source is not None else None
        try:
            path = Path(transcript) if transcript is not None else _new_session_path()
            log = TranscriptLog.create(path)
        except BaseException:
            _close_quietly(src)
            raise
        if src is not None and hasattr(src, "describe"):
            spec = strip_password(str(src.describe()))
        else:
            spec = strip_password(source) if source is not None else NO_SOURCE
        ctx = GatherContext(
            scope=scope,
            source=src,
            source_spec=spec,
            capture_path=capture,
            config=config,
            flow=flow_obj,
            params=dict(params or {}),
        )
        session_id = path.stem
        started: dict[str, Any] = {
            "session_id": session_id,
            "flow": flow_obj.id,
            "flow_version": flow_obj.version,
            "flow_digest": flow_obj.digest,
            "flow_path": str(flow_obj.path) if flow_obj.path else None,
            "source": spec,
            "source_arg": strip_password(source) if source is not None else None,
            "capture": capture,
            "params": dict(params or {}),
            "mode": mode,
            "user": _user(),
            "host": socket.gethostname(),
            "version": __version__,
        }
        if answers is not None:
            started["answers"] = dict(answers)
        log.append("session_started", started)
        log.append("scope", {"scope": scope.to_dict()})
        engine = Engine(flow_obj, registry, ctx, emit=log.append)
        session = cls(engine=engine, ctx=ctx, log=log, session_id=session_id, source=src)
        try:
            engine.start()
        except BaseException:
            session.close()
            raise
        return session

    @classmethod
    def resume(
        cls,
        path: str | Path | None = None,
        *,
        config: Config | None = None,
        registry: Registry | None = None,
    ) -> Session:
        """Reopen a transcript (the newest unfinished one when `path` is None) where it stopped."""
        from dropwizard.transcript.log import TranscriptLog, read_events

        if path is None:
            found = _latest_unfinished()
            if found is None:
                raise InputError(
                    "no unfinished session to resume (name a transcript file, or start one with "
                    "'dropwizard run')"
                )
            path = found
        path = _resolve_transcript(path)
        events, _ = read_events(path)
        started = next((e for e in events if e.get("type") == "session_started"), None)
        if started is None:
            raise InputError(f"{path}: no session_started event; this is not a session transcript")
        config = config if config is not None else load_config()
        warnings: list[str] = []
        flow = _resume_flow(started, config, warnings)
        scope_ev = next((e for e in events if e.get("type") == "scope"), None)
        scope = (
            Scope.from_dict(scope_ev["scope"]) if scope_ev and scope_ev.get("scope") else Scope()
        )
        registry = registry if registry is not None else session_registry()
        spec = started.get("source_arg") or started.get("source")
        src = open_cdr_source(spec, config) if spec and spec != NO_SOURCE else None
        try:
            log = TranscriptLog.open_append(path)
        except BaseException:
            _close_quietly(src)
            raise
        warnings += log.warnings
        ctx = GatherContext(
            scope=scope,
            source=src,
            source_spec=started.get("source"),
            capture_path=started.get("capture"),
            config=config,
            flow=flow,
            params=dict(started.get("params") or {}),
        )
        try:
            engine = Engine.replay(flow, registry, ctx, events, emit=log.append)
        except (EngineError, KeyError) as exc:
            log.close()
            _close_quietly(src)
            if isinstance(exc, EngineError):
                raise
            raise InputError(f"{path}: cannot replay the transcript: {exc}") from None
        session = cls(
            engine=engine,
            ctx=ctx,
            log=log,
            session_id=str(started.get("session_id") or path.stem),
            source=src,
            warnings=warnings,
        )
        if engine.current is None:
            engine.start()
        return session

    def close(self) -> None:
        """Cancel running gatherers, close the source and the transcript."""
        self.ctx.cancel.set()
        _close_quietly(self.source)
        self.source = None
        if not self.log.closed:
            self.log.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _resume_flow(started: Mapping[str, Any], config: Config, warnings: list[str]) -> Flow:
    """The flow the session walked: its original file when unchanged, else the flow by id."""
    digest = started.get("flow_digest")
    flow_path = started.get("flow_path")
    if flow_path and Path(flow_path).is_file():
        flow = load_flow(flow_path)
        if flow.digest == digest and flow.id == started.get("flow"):
            return flow
    flow = find_flow(str(started.get("flow")), config)
    if digest and flow.digest != digest:
        warnings.append(
            f"flow {flow.id} changed since the session started ({flow.path}); "
            "the walk continues with the current file"
        )
    return flow


def _close_quietly(src: Any) -> None:
    if src is None:
        return
    try:
        src.cancel()
    except Exception:
        pass
    try:
        src.close()
    except Exception:
        pass
