"""A walk without a screen: answers from a file, else the proposal, else the node's default."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dropwizard.errors import InputError
from dropwizard.wizard.engine import Engine
from dropwizard.wizard.model import Flow
from dropwizard.wizard.yamllines import LineDict, YamlSyntaxError, load_yaml

MAX_STEPS = 1000


class WalkError(InputError):
    """A headless walk that cannot go on without an answer."""


def load_answers(path: Path | str, flow: Flow) -> dict[str, str]:
    """Read an answers file (YAML or JSON: node id -> option id) and check it against the flow."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot read answers: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: answers file is not UTF-8 text") from None
    try:
        data = load_yaml(text)
    except YamlSyntaxError as exc:
        raise InputError(f"{p}:{exc.line}: {exc.message}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{p}:1: answers must map node id to option id, e.g. 'step1: cause16'")
    lines = data.key_lines if isinstance(data, LineDict) else {}
    out: dict[str, str] = {}
    for key, value in data.items():
        line = lines.get(key, 1)
        node_id = str(key)
        if node_id not in flow:
            raise InputError(
                f"{p}:{line}: flow {flow.id} has no node {node_id!r} (see 'dropwizard flows "
                f"graph {flow.id}')"
            )
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InputError(f"{p}:{line}: the answer for {node_id} must be an option id")
        node = flow.node(node_id)
        option = str(value)
        if node.option(option) is None:
            names = ", ".join(o.id for o in node.ways_out()) or "none"
            raise InputError(
                f"{p}:{line}: node {node_id} has no option {option!r} (options: {names})"
            )
        out[node_id] = option
    return out


def step(engine: Engine, answers: dict[str, str]) -> None:
    """Take one decision at the current node: gather what is missing, propose, choose."""
    node = engine.current
    assert node is not None
    missing = engine.missing_gatherers()
    if missing:
        engine.gather(missing)
    prop = engine.proposal if engine.proposal is not None else engine.propose()
    if node.id in answers:
        engine.choose(answers[node.id], by="answers")
    elif prop.option:
        engine.choose(prop.option, by="proposal")
    elif node.default:
        engine.choose(node.default, by="default")
    else:
        names = ", ".join(o.id for o in node.ways_out())
        raise WalkError(
            f"node {node.id} needs an answer ({prop.reason}): add '{node.id}: OPTION' to the "
            f"answers file (options: {names})"
        )


def walk(
    engine: Engine,
    answers: dict[str, str],
    *,
    max_steps: int = MAX_STEPS,
    on_step: Callable[[Engine], None] | None = None,
) -> None:
    """Walk from the current node to a leaf."""
    if engine.current is None:
        engine.start()
    steps = 0
    while not engine.finished:
        if steps >= max_steps:
            assert engine.current is not None
            raise WalkError(
                f"the walk did not end after {max_steps} steps (it keeps looping through "
                f"{engine.current.id}); change the answers"
            )
        step(engine, answers)
        steps += 1
        if on_step is not None:
            on_step(engine)


def path_lines(engine: Engine) -> list[str]:
    """The path taken: node, option, how it was chosen, why."""
    out = []
    for i, s in enumerate(engine.path, 1):
        prop = s.proposal
        if s.overridden and prop is not None:
            how = f"override by {s.by}; proposed {prop.option}: {prop.reason}"
        elif s.by == "proposal" and prop is not None:
            how = f"proposal: {prop.reason}"
        elif s.by == "answers":
            how = "answer" + (f"; {prop.reason}" if prop and prop.reason else "")
        elif s.by == "default":
            how = "default" + (f"; {prop.reason}" if prop and prop.reason else "")
        else:
            how = s.by + (f"; {prop.reason}" if prop and prop.reason else "")
        out.append(f"{i:>3}. {s.node} -> {s.option}  ({how})")
    if engine.current is not None:
        state = "end" if engine.finished else "stopped here"
        out.append(f"{len(engine.path) + 1:>3}. {engine.current.id}  ({state})")
    return out


def diagnosis_lines(engine: Engine) -> list[str]:
    """The findings reached, with their fixes."""
    if not engine.findings:
        return ["no finding: the walk ended without a diagnosis"]
    out = []
    for finding in engine.findings:
        out.append(f"{finding.id} ({finding.severity.value}): {finding.title}")
        out += [f"    evidence: {e}" for e in finding.evidence]
        out += [f"    {r}" for r in finding.recommendations]
    return out


def report(engine: Engine, transcript: Path | None = None) -> str:
    """What `dropwizard run` and `dropwizard resume` print."""
    lines = [f"Flow {engine.flow.id}: {engine.flow.title}", "Path:"]
    lines += path_lines(engine)
    lines += ["Diagnosis:"] + [f"  {line}" for line in diagnosis_lines(engine)]
    if transcript is not None:
        lines.append(f"Transcript: {transcript}")
    return "\n".join(lines)


def walk_and_print(engine: Engine, answers: dict[str, str], transcript: Path | None = None) -> None:
    """Walk to a leaf and print the report; when the walk fails, print how far it got, re-raise."""
    try:
        walk(engine, answers)
    except Exception:
        print(report(engine, transcript))
        raise
    print(report(engine, transcript))
