"""The answers file of a headless walk, as the transcript records it.

`dropwizard run --answers FILE` records `{"path", "sha256", "answers"}` in `session_started`
(field `answers`); `dropwizard resume --answers FILE` records the new file in an `answers`
event. A bare `dropwizard resume` takes the latest recorded answers, so a cut session ends the
way the uninterrupted walk would have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dropwizard.wizard.model import Flow


def answers_record(path: str | Path, answers: Mapping[str, str]) -> dict[str, Any]:
    """What the transcript keeps of an answers file: its path, content hash and answers."""
    p = Path(path)
    try:
        digest: str | None = hashlib.sha256(p.read_bytes()).hexdigest()
    except OSError:
        digest = None
    return {"path": str(p), "sha256": digest, "answers": dict(answers)}


def recorded_answers(
    events: Iterable[Mapping[str, Any]], flow: Flow
) -> tuple[dict[str, str] | None, list[str]]:
    """The latest answers the transcript recorded (None when none were), and warnings.

    Answers the flow no longer accepts (an unknown node or option) are left out with a warning.
    """
    record: Mapping[str, Any] | None = None
    for ev in events:
        if ev.get("type") in ("session_started", "answers") and isinstance(
            ev.get("answers"), Mapping
        ):
            record = ev["answers"]
    if record is None:
        return None, []
    raw = record.get("answers")
    if not isinstance(raw, Mapping):
        return None, []
    out: dict[str, str] = {}
    warnings: list[str] = []
    where = record.get("path") or "the recorded answers"
    for node_id, option in raw.items():
        node = flow.node(str(node_id)) if str(node_id) in flow else None
        if node is None or not isinstance(option, str) or node.option(option) is None:
            warnings.append(
                f"{where}: answer {node_id}: {option} no longer fits flow {flow.id}; left out"
            )
            continue
        out[str(node_id)] = option
    return out, warnings
