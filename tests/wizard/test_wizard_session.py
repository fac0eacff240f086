"""Session.create / resume / close: transcript, source handling, no password on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest
from wizard_helpers import FLOWS, scripted_registry

import dropwizard.cdr
from dropwizard.config import Config
from dropwizard.errors import DropwizardError, InputError
from dropwizard.scope import Scope
from dropwizard.session import Session, strip_password
from dropwizard.wizard.headless import walk
from dropwizard.wizard.loader import load_flow

SCRIPT = {"fake.causes": {"top_cause": 102, "top_cause_share": 0.37, "calls": 120}}


class FakeSource:
    """Stands in for an opened CDR source; records what happened to it."""

    opened: ClassVar[list[str]] = []

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.kind = "mysql"
        self.closed = False
        self.cancelled = False
        FakeSource.opened.append(spec)

    def describe(self) -> str:
        return self.spec

    def cancel(self) -> None:
        self.cancelled = True

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_cdr(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    FakeSource.opened = []

    def open_source(spec: str, config: Any = None, **kw: Any) -> FakeSource:
        return FakeSource(spec)

    monkeypatch.setattr(dropwizard.cdr, "open_source", open_source, raising=False)
    return FakeSource.opened


@pytest.mark.parametrize(
    ("spec", "clean"),
    [
        ("mysql://report:s3cret@10.0.0.5:3306/vos3000", "mysql://report@10.0.0.5:3306/vos3000"),
        ("mysql://report:@db/vos3000", "mysql://report@db/vos3000"),
        ("mysql://report@db:3306", "mysql://report@db:3306"),
        ("mysql://:pw@db", "mysql://db"),
        ("demo", "demo"),
        ("/tmp/cdr.csv", "/tmp/cdr.csv"),
    ],
)
def test_strip_password(spec: str, clean: str) -> None:
    assert strip_password(spec) == clean


def test_create_resume_close_without_a_password_on_disk(tmp_path: Path, fake_cdr) -> None:
    flow = load_flow(FLOWS / "mini.yaml")
    transcript = tmp_path / "s.jsonl"
    uri = "mysql://report:s3cret@10.0.0.5:3306/vos3000"
    session = Session.create(
        flow=flow,
        source=uri,
        scope=Scope(kind="gateway", gateway="gw1"),
        transcript=transcript,
        config=Config(),
        registry=scripted_registry(SCRIPT),
    )
    assert session.engine.current.id == "start"
    assert session.engine.namespace["source.kind"] == "mysql"
    assert session.engine.namespace["scope.gateway"] == "gw1"
    session.engine.choose("many")
    src = session.source
    session.close()
    assert src.closed and src.cancelled
    text = transcript.read_text()
    assert "s3cret" not in text
    events = [json.loads(line) for line in text.splitlines()]
    started = events[0]
    assert started["type"] == "session_started"
    assert started["source"] == "mysql://report@10.0.0.5:3306/vos3000"
    assert started["flow"] == "mini" and started["flow_digest"] == flow.digest
    assert {"session_id", "flow_version", "mode", "user", "host", "version"} <= set(started)
    assert events[1] == {**events[1], "type": "scope"}
    assert events[1]["scope"]["gateway"] == "gw1"

    with Session.resume(transcript, config=Config(), registry=scripted_registry(SCRIPT)) as again:
        assert fake_cdr[-1] == "mysql://report@10.0.0.5:3306/vos3000"
        assert again.engine.current.id == "causes"
        assert again.ctx.scope.gateway == "gw1"
        walk(again.engine, {})
        assert [f.id for f in again.engine.findings] == ["rtp_timeout"]
    assert "s3cret" not in transcript.read_text()


def test_no_source_means_source_kind_none(tmp_path: Path) -> None:
    with Session.create(
        flow=load_flow(FLOWS / "mini.yaml"),
        source=None,
        transcript=tmp_path / "s.jsonl",
        config=Config(),
        registry=scripted_registry(SCRIPT),
    ) as s:
        assert s.engine.namespace["source.kind"] == "none"
        assert s.ctx.source is None


def test_missing_cdr_module_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delattr(dropwizard.cdr, "open_source", raising=False)
    with pytest.raises(DropwizardError, match="CDR sources are unavailable"):
        Session.create(
            flow=load_flow(FLOWS / "mini.yaml"),
            source="mysql://u:pw@h/db",
            transcript=tmp_path / "s.jsonl",
            config=Config(),
        )
    assert not (tmp_path / "s.jsonl").exists()


def test_resume_newest_unfinished(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DROPWIZARD_DATA_DIR", str(tmp_path))
    with pytest.raises(InputError, match="no unfinished session"):
        Session.resume(None, config=Config())
    s = Session.create(
        flow=load_flow(FLOWS / "mini.yaml"),
        source=None,
        config=Config(),
        registry=scripted_registry(SCRIPT),
    )
    assert s.transcript_path.parent == tmp_path / "sessions"
    s.close()
    with Session.resume(None, config=Config(), registry=scripted_registry(SCRIPT)) as again:
        assert again.transcript_path == s.transcript_path
        assert again.session_id == s.session_id


def test_resume_rejects_a_file_that_is_not_a_session(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"seq": 1, "ts": "2026-11-28T00:00:00.000Z", "type": "note", "text": "x"}\n')
    with pytest.raises(InputError, match="not a session transcript"):
        Session.resume(path, config=Config())


def test_resume_warns_when_the_flow_changed(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text((FLOWS / "mini.yaml").read_text())
    transcript = tmp_path / "s.jsonl"
    Session.create(
        flow=load_flow(path),
        source=None,
        transcript=transcript,
        config=Config(),
        registry=scripted_registry(SCRIPT),
    ).close()
    path.write_text(path.read_text().replace("title: Mini flow", "title: Mini flow, edited"))
    config = Config(raw={"flows": {"path": [str(tmp_path)]}})
    with Session.resume(transcript, config=config, registry=scripted_registry(SCRIPT)) as again:
        assert any("changed since the session started" in w for w in again.warnings)
        assert again.flow.title == "Mini flow, edited"


def test_extra_gatherer_modules(tmp_path: Path, monkeypatch) -> None:
    from dropwizard.wizard.registry import session_registry

    monkeypatch.setenv("DROPWIZARD_GATHERERS", str(FLOWS.parent / "fake_gatherers.py"))
    assert "fake.causes" in session_registry()
    monkeypatch.setenv("DROPWIZARD_GATHERERS", "no_such_module_here")
    with pytest.raises(InputError, match="no module named 'no_such_module_here'"):
        session_registry()
    bare = tmp_path / "bare.py"
    bare.write_text("X = 1\n")
    monkeypatch.setenv("DROPWIZARD_GATHERERS", str(bare))
    with pytest.raises(InputError, match=r"has no register\(registry\) function"):
        session_registry()
