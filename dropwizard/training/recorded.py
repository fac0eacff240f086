"""Gatherers of a training run: the real ones over the scenario's data, except those that would
reach out from the trainee's machine (a database, the network), which serve recorded evidence.

A scenario's `host/evidence.yaml` may record any gatherer's outcome directly:

```yaml
probe.database:
  status: ok
  summary: "SELECT 1 in 0.4 ms; e_cdr_20261128 present; no crashed tables"
  facts: {reachable: true, latency_ms: 0.4, today_table: true, crashed_tables: 0}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dropwizard.errors import InputError
from dropwizard.evidence import Evidence, Status

EVIDENCE_FILE = "evidence.yaml"
LIVE_GATHERERS: tuple[str, ...] = ("probe.database", "probe.sip_options")
"""Gatherers that open connections of their own instead of going through the probe host."""
STATUSES = tuple(s.value for s in Status)


def load_recorded(path: Path) -> dict[str, dict[str, Any]]:
    """The recorded evidence of a scenario host, by gatherer name (empty when there is none)."""
    if not path.is_file():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise InputError(f"{path}:{line}: not valid YAML") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}:1: recorded evidence maps gatherer names to outcomes")
    out: dict[str, dict[str, Any]] = {}
    for name, body in raw.items():
        if not isinstance(body, dict) or body.get("status") not in STATUSES:
            raise InputError(
                f"{path}: {name}: needs `status` ({', '.join(STATUSES)}) and `summary`"
            )
        if not isinstance(body.get("facts", {}), dict):
            raise InputError(f"{path}: {name}: `facts` must be a mapping")
        out[str(name)] = body
    return out


def _served(name: str, body: Mapping[str, Any]):
    def gather(ctx: Any, params: Mapping[str, Any]) -> Evidence:
        return Evidence(
            name=name,
            kind=str(body.get("kind") or name.split(".", 1)[0]),
            asked=str(body.get("asked") or f"{name} (recorded on the scenario's host)"),
            status=Status(body["status"]),
            summary=str(body.get("summary") or ""),
            facts=dict(body.get("facts") or {}),
            data=dict(body.get("data") or {}),
            advice=[str(a) for a in body.get("advice") or []],
            raw=str(body.get("raw") or ""),
        )

    gather.__doc__ = f"{name}, as recorded on the scenario's host"
    return gather


def _not_recorded(name: str):
    def gather(ctx: Any, params: Mapping[str, Any]) -> Evidence:
        return Evidence(
            name=name,
            kind=name.split(".", 1)[0],
            asked=name,
            status=Status.SKIPPED,
            summary="not recorded in this training scenario (nothing runs on the trainee's machine)",
        )

    gather.__doc__ = f"{name}: not recorded in this scenario"
    return gather


def training_registry(host_dir: Path | None, base: Any = None) -> Any:
    """The session registry with live gatherers replaced by the scenario's recorded evidence."""
    from dropwizard.wizard.registry import session_registry

    reg = base if base is not None else session_registry()
    recorded = load_recorded(host_dir / EVIDENCE_FILE) if host_dir else {}
    for name in LIVE_GATHERERS:
        if name not in recorded:
            reg.add(name, _not_recorded(name))
    for name, body in recorded.items():
        reg.add(name, _served(name, body))
    return reg
