"""Reading and checking scenario files: every problem as `file:line: message`."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from dropwizard.diagnosis.finding import FINDING_IDS
from dropwizard.errors import InputError
from dropwizard.scope import Scope, parse_time
from dropwizard.training.model import (
    ANY_NODE,
    DIFFICULTIES,
    FAULT_KEYS,
    KNOWN_FAULTS,
    REQUIRED,
    SCOPE_KINDS,
    TOP_KEYS,
    Dataset,
    Diagnosis,
    Fault,
    Scenario,
)
from dropwizard.training.yamllines import LineDict, LineList, load_with_lines, yaml_error_line

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class _Checker:
    """Collects `file:line: message` problems while reading a scenario."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {message}")

    def text(self, d: LineDict, key: str, *, required: bool = False) -> str | None:
        if key not in d or d[key] is None:
            if required:
                self.add(d.line, f"missing `{key}`")
            return None
        v = d[key]
        if not isinstance(v, str) or not v.strip():
            self.add(d.line_of(key), f"`{key}` must be a non-empty string")
            return None
        return v


def _read(path: Path) -> tuple[Any, _Checker]:
    chk = _Checker(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        chk.add(1, f"cannot read scenario: {exc.strerror or exc}")
        return None, chk
    try:
        raw = load_with_lines(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        chk.add(yaml_error_line(exc), f"not valid YAML: {problem}")
        return None, chk
    if not isinstance(raw, LineDict):
        chk.add(1, "a scenario is a YAML mapping (id, title, difficulty, dataset, diagnosis, ...)")
        return None, chk
    return raw, chk


def _parse_scope(raw: Any, chk: _Checker, parent: LineDict) -> Scope:
    if raw is None:
        return Scope()
    if not isinstance(raw, LineDict):
        chk.add(parent.line_of("scope"), "`scope` must be a mapping (kind, gateway, since, ...)")
        return Scope()
    for key in raw:
        if key not in ("kind", "gateway", "number", "since", "until", "at"):
            chk.add(raw.line_of(key), f"unknown scope key `{key}`")
    kind = raw.get("kind", "window")
    if kind not in SCOPE_KINDS:
        chk.add(raw.line_of("kind"), f"scope kind {kind!r} is not one of {', '.join(SCOPE_KINDS)}")
        kind = "window"
    times: dict[str, datetime | None] = {}
    for key in ("since", "until", "at"):
        v = raw.get(key)
        if v is None:
            times[key] = None
            continue
        try:
            times[key] = parse_time(v.isoformat() if isinstance(v, (date, datetime)) else str(v))
        except InputError:
            chk.add(raw.line_of(key), f"scope `{key}` is not an ISO 8601 time: {v!r}")
            times[key] = None
    if kind == "gateway" and not raw.get("gateway"):
        chk.add(raw.line, "a gateway scope needs `gateway`")
    if kind == "call" and (not raw.get("number") or times["at"] is None):
        chk.add(raw.line, "a call scope needs `number` and `at`")
    return Scope(
        kind=kind,
        since=times["since"],
        until=times["until"],
        gateway=raw.get("gateway"),
        number=str(raw["number"]) if raw.get("number") is not None else None,
        at=times["at"],
    )


def _gateways() -> set[str] | None:
    try:
        from dropwizard.cdr import demo
    except ImportError:
        return None
    names = getattr(demo, "gateway_names", None)
    if names is None:
        return None
    customers, providers = names()
    return set(customers) | set(providers)


def _parse_fault(
    f: Any, line: int, chk: _Checker, known: tuple[str, ...], gateways: set[str] | None
) -> Fault | None:
    if not isinstance(f, LineDict) or not isinstance(f.get("type"), str):
        chk.add(line, "a fault needs `type`")
        return None
    ok = True
    for key in f:
        if key not in FAULT_KEYS:
            chk.add(f.line_of(key), f"unknown fault key `{key}` (known: {', '.join(FAULT_KEYS)})")
            ok = False
    if f["type"] not in known:
        chk.add(f.line_of("type"), f"unknown fault type {f['type']!r} (known: {', '.join(known)})")
        ok = False
    gw = f.get("gateway")
    if gw is not None and not isinstance(gw, str):
        chk.add(f.line_of("gateway"), "fault `gateway` must be a gateway name")
        ok = False
    elif gw is not None and gateways is not None and gw not in gateways:
        chk.add(
            f.line_of("gateway"),
            f"the demo generator has no gateway {gw!r} (it has {', '.join(sorted(gateways))})",
        )
        ok = False
    params = f.get("params") or {}
    if not isinstance(params, dict):
        chk.add(f.line_of("params"), "fault `params` must be a mapping")
        ok = False
        params = {}
    share = f.get("share")
    if share is not None and (
        isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1
    ):
        chk.add(f.line_of("share"), "fault `share` must be a number from 0 to 1")
        ok = False
    window = f.get("window")
    if window is not None and (
        not isinstance(window, list)
        or len(window) != 2
        or not all(isinstance(w, str) and _HHMM.match(w) for w in window)
    ):
        chk.add(f.line_of("window"), 'fault `window` must be ["HH:MM", "HH:MM"]')
        ok = False
    if not ok:
        return None
    return Fault(
        type=f["type"],
        gateway=gw,
        params=dict(params),
        share=float(share) if share is not None else None,
        window=(window[0], window[1]) if window else None,
    )


def _parse_dataset(raw: Any, chk: _Checker, parent: LineDict) -> Dataset | None:
    if not isinstance(raw, LineDict):
        chk.add(parent.line_of("dataset"), "`dataset` must be a mapping (seed, day, calls, faults)")
        return None
    ok = True
    seed = raw.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        chk.add(raw.line_of("seed"), "dataset `seed` must be an integer")
        ok = False
    day = raw.get("day")
    day_s = day.isoformat() if isinstance(day, date) else str(day or "")
    try:
        date.fromisoformat(day_s)
    except ValueError:
        chk.add(raw.line_of("day"), f"dataset `day` must be a date like 2026-11-28, not {day!r}")
        ok = False
    calls = raw.get("calls")
    if not isinstance(calls, int) or isinstance(calls, bool) or calls < 1:
        chk.add(raw.line_of("calls"), "dataset `calls` must be a positive integer")
        ok = False
    faults: list[Fault] = []
    raw_faults = raw.get("faults", [])
    known = KNOWN_FAULTS
    if raw_faults is None:
        raw_faults = []
    if not isinstance(raw_faults, LineList):
        chk.add(raw.line_of("faults"), "dataset `faults` must be a list")
        ok = False
        raw_faults = LineList()
    gateways = _gateways()
    for i, f in enumerate(raw_faults):
        fault = _parse_fault(f, raw_faults.line_of(i), chk, known, gateways)
        if fault is None:
            ok = False
        else:
            faults.append(fault)
    extra = {k: v for k, v in raw.items() if k not in ("seed", "day", "calls", "faults")}
    if not ok:
        return None
    return Dataset(seed=int(seed), day=day_s, calls=int(calls), faults=faults, extra=extra)  # type: ignore[arg-type]


def _parse_diagnosis(raw: Any, chk: _Checker, parent: LineDict) -> Diagnosis | None:
    if not isinstance(raw, LineDict):
        chk.add(parent.line_of("diagnosis"), "`diagnosis` must be a mapping with `findings`")
        return None
    for key in raw:
        if key not in ("findings", "gateway", "side", "match"):
            chk.add(raw.line_of(key), f"unknown diagnosis key `{key}`")
    ids = raw.get("findings")
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not ids:
        chk.add(raw.line_of("findings"), "diagnosis `findings` must list at least one finding id")
        return None
    good = True
    for i, fid in enumerate(ids):
        if fid not in FINDING_IDS:
            line = ids.line_of(i) if isinstance(ids, LineList) else raw.line_of("findings")
            chk.add(line, f"unknown finding id {fid!r} (DESIGN.md lists the stable ids)")
            good = False
    side = raw.get("side")
    if side is not None and side not in ("caller", "callee"):
        chk.add(raw.line_of("side"), "diagnosis `side` must be caller or callee")
    match = raw.get("match", "all")
    if match not in ("all", "any"):
        chk.add(raw.line_of("match"), "diagnosis `match` must be all or any")
        good = False
    if not good:
        return None
    return Diagnosis(
        findings=[str(x) for x in ids], gateway=raw.get("gateway"), side=side, match=match
    )


def _str_map_of_lists(raw: Any, chk: _Checker, parent: LineDict, key: str) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        chk.add(parent.line_of(key), f"`{key}` must be a mapping of node id to text(s)")
        return {}
    out: dict[str, list[str]] = {}
    for node, value in raw.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(x, str) and x.strip() for x in items):
            chk.add(raw.line_of(node), f"`{key}.{node}` must be a text or a list of texts")
            continue
        out[str(node)] = [" ".join(x.split()) if key == "hints" else x for x in items]
    return out


def _parse_expect(
    raw: Any, chk: _Checker, parent: LineDict
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(answer per node, accepted alternatives per node) of `expect`.

    A node maps to an option id, or to a list of option ids: the first is the scenario's answer,
    the others are accepted alternatives, right as well.
    """
    expect: dict[str, str] = {}
    also: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        chk.add(parent.line_of("expect"), "`expect` must map node ids to option ids")
        return expect, also
    for node, opt in raw.items():
        line = raw.line_of(node) if isinstance(raw, LineDict) else parent.line_of("expect")
        opts = [opt] if isinstance(opt, str) else opt
        if (
            not isinstance(opts, list)
            or not opts
            or not all(isinstance(o, str) and o.strip() for o in opts)
        ):
            chk.add(line, f"`expect.{node}` must be an option id or a list of option ids")
            continue
        if len(set(opts)) != len(opts):
            chk.add(line, f"`expect.{node}` lists an option twice")
            continue
        expect[str(node)] = opts[0]
        if len(opts) > 1:
            also[str(node)] = list(opts[1:])
    return expect, also


def _parse_why(raw: Any, chk: _Checker, parent: LineDict) -> dict[str, str]:
    """`why`: per node, the reason for the scenario's answer (and its alternatives)."""
    if raw is None:
        return {}
    if not isinstance(raw, LineDict):
        chk.add(parent.line_of("why"), "`why` must map node ids to texts")
        return {}
    out: dict[str, str] = {}
    for node, text in raw.items():
        if not isinstance(text, str) or not text.strip():
            chk.add(raw.line_of(node), f"`why.{node}` must be a non-empty text")
            continue
        out[str(node)] = " ".join(text.split())
    return out


def parse_scenario(path: Path) -> tuple[Scenario | None, list[str], LineDict | None]:
    """(scenario or None, problems, raw mapping) of one scenario.yaml.

    Checks against the flow (node ids, options, the model path) are `check_against_flow`.
    """
    raw, chk = _read(path)
    if raw is None:
        return None, chk.problems, None
    for key in raw:
        if key not in TOP_KEYS:
            chk.add(raw.line_of(key), f"unknown key `{key}`")
    for key in REQUIRED:
        if key not in raw:
            chk.add(raw.line, f"missing `{key}`")
    sid = chk.text(raw, "id")
    if sid and sid != path.parent.name:
        chk.add(raw.line_of("id"), f"id {sid!r} must match the directory name {path.parent.name!r}")
    title = chk.text(raw, "title")
    brief = chk.text(raw, "brief")
    debrief = chk.text(raw, "debrief")
    flow = raw.get("flow", "call-drop")
    if not isinstance(flow, str) or not flow:
        chk.add(raw.line_of("flow"), "`flow` must be a flow id")
        flow = "call-drop"
    difficulty = raw.get("difficulty")
    if "difficulty" in raw and difficulty not in DIFFICULTIES:
        chk.add(
            raw.line_of("difficulty"),
            f"difficulty {difficulty!r} is not one of {', '.join(DIFFICULTIES)}",
        )
    scope = _parse_scope(raw.get("scope"), chk, raw)
    dataset = _parse_dataset(raw["dataset"], chk, raw) if "dataset" in raw else None
    diagnosis = _parse_diagnosis(raw["diagnosis"], chk, raw) if "diagnosis" in raw else None
    hints = _str_map_of_lists(raw.get("hints"), chk, raw, "hints")
    expect, also = _parse_expect(raw.get("expect") or {}, chk, raw)
    why = _parse_why(raw.get("why"), chk, raw)
    for node in also:
        if node not in why:
            chk.add(
                raw["expect"].line_of(node),
                f"`expect.{node}` accepts several options: say why in `why.{node}`",
            )
    teaches = raw.get("teaches") or []
    if not isinstance(teaches, list) or not all(isinstance(t, str) for t in teaches):
        chk.add(raw.line_of("teaches"), "`teaches` must be a list of glossary terms")
        teaches = []
    else:
        from dropwizard.training.glossary import lookup

        for i, term in enumerate(teaches):
            if lookup(term) is None:
                line = teaches.line_of(i) if isinstance(teaches, LineList) else raw.line
                chk.add(line, f"`teaches`: no glossary entry named {term!r}")
    walk = raw.get("path") or []
    if not isinstance(walk, list) or not all(isinstance(n, str) for n in walk):
        chk.add(raw.line_of("path"), "`path` must list node ids")
        walk = []
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        chk.add(raw.line_of("params"), "`params` must be a mapping")
        params = {}

    base = path.parent
    host_dir: Path | None = None
    host = raw.get("host")
    if host is not None:
        if not isinstance(host, str):
            chk.add(raw.line_of("host"), "`host` must be a directory name")
        else:
            host_dir = (base / host).resolve()
            if not host_dir.is_dir():
                chk.add(raw.line_of("host"), f"host directory {host!r} does not exist")
                host_dir = None
    elif (base / "host").is_dir():
        host_dir = base / "host"
    else:
        chk.add(
            raw.line,
            "no recorded host: add host/ (root/ and commands.yaml) so probes never run on "
            "the trainee's machine",
        )
    if host_dir is not None:
        _check_host(host_dir, chk, raw.line_of("host"))
    capture: Path | None = None
    cap = raw.get("capture")
    if cap is not None:
        if not isinstance(cap, str) or not (base / cap).is_file():
            chk.add(raw.line_of("capture"), f"capture file {cap!r} does not exist")
        else:
            capture = base / cap

    if chk.problems or dataset is None or diagnosis is None:
        return None, chk.problems, raw
    return (
        Scenario(
            id=str(sid),
            title=str(title),
            difficulty=str(difficulty),
            brief=str(brief).strip(),
            dataset=dataset,
            diagnosis=diagnosis,
            debrief=str(debrief).strip(),
            directory=base,
            flow=flow,
            scope=scope,
            host_dir=host_dir,
            capture=capture,
            params=dict(params),
            expect=expect,
            also=also,
            why=why,
            hints=hints,
            teaches=[str(t) for t in teaches],
            walk=[str(n) for n in walk],
        ),
        [],
        raw,
    )


def _check_host(host_dir: Path, chk: _Checker, line: int) -> None:
    from dropwizard.probes.host import RecordedHost

    if not (host_dir / "root").is_dir() and not (host_dir / "commands.yaml").is_file():
        chk.add(line, f"host directory {host_dir.name!r} holds neither root/ nor commands.yaml")
        return
    from dropwizard.training.recorded import EVIDENCE_FILE, load_recorded

    try:
        RecordedHost(host_dir)
    except InputError as exc:
        chk.add(line, f"recorded host: {exc.message}")
    except (KeyError, TypeError, ValueError) as exc:
        chk.add(line, f"recorded host {host_dir / 'commands.yaml'}: {exc}")
    try:
        load_recorded(host_dir / EVIDENCE_FILE)
    except InputError as exc:
        chk.add(line, f"recorded evidence: {exc.message}")


def scenario_flow(sc: Scenario, config: Any = None) -> Any:
    """The flow a scenario walks: a flow id, or a flow file path relative to the scenario."""
    from dropwizard.wizard.loader import find_flow

    name = sc.flow
    if "/" in name or name.endswith((".yaml", ".yml")):
        name = str((sc.directory / name).resolve())
    return find_flow(name, config)


def check_against_flow(sc: Scenario, raw: LineDict, config: Any) -> list[str]:
    """Node ids in hints/expect exist in the flow; the true findings are reachable there."""
    try:
        from dropwizard.wizard.loader import FlowError
    except ImportError:
        return []
    chk = _Checker(sc.path)
    try:
        flow = scenario_flow(sc, config)
    except FlowError as exc:
        chk.add(raw.line_of("flow"), f"flow {sc.flow!r} does not load: {exc}")
        return chk.problems
    except Exception as exc:  # an unknown flow name or a broken flow
        msg = getattr(exc, "message", None) or str(exc)
        chk.add(raw.line_of("flow"), f"flow {sc.flow!r}: {msg}")
        return chk.problems
    nodes = {n.id: n for n in flow.nodes}
    hints = raw.get("hints") or {}
    for node in sc.hints:
        if node != ANY_NODE and node not in nodes:
            chk.add(hints.line_of(node), f"hints: flow {flow.id!r} has no node {node!r}")
    expect = raw.get("expect") or {}
    for node in sc.expect:
        n = nodes.get(node)
        if n is None:
            chk.add(expect.line_of(node), f"expect: flow {flow.id!r} has no node {node!r}")
            continue
        for opt in sc.accepted(node):
            if n.option(opt) is None:
                ids = ", ".join(o.id for o in n.ways_out())
                chk.add(
                    expect.line_of(node), f"expect: node {node!r} has no option {opt!r} ({ids})"
                )
    why = raw.get("why") or {}
    for node in sc.why:
        if node not in nodes:
            chk.add(why.line_of(node), f"why: flow {flow.id!r} has no node {node!r}")
    if sc.walk:
        line = raw.line_of("path")
        if sc.walk[0] != flow.start:
            chk.add(line, f"path must begin at the flow's start node {flow.start!r}")
        for a, b in zip(sc.walk, sc.walk[1:], strict=False):
            if a not in nodes:
                chk.add(line, f"path: flow {flow.id!r} has no node {a!r}")
            elif b not in nodes[a].targets():
                chk.add(line, f"path: no option of {a!r} leads to {b!r}")
        last = nodes.get(sc.walk[-1])
        if last is None:
            chk.add(line, f"path: flow {flow.id!r} has no node {sc.walk[-1]!r}")
        elif last.finding not in sc.diagnosis.findings and not (
            sc.walk[-1] == "end" or last.type == "end"
        ):
            chk.add(line, f"path ends at {last.id!r}, which is not a true finding")
    reachable = {n.finding for n in flow.nodes if n.type == "finding" and n.finding}
    diag = raw.get("diagnosis") or {}
    for fid in sc.diagnosis.findings:
        if fid not in reachable:
            chk.add(
                diag.line_of("findings") if isinstance(diag, LineDict) else raw.line,
                f"flow {flow.id!r} has no finding node for {fid!r}",
            )
    return chk.problems
