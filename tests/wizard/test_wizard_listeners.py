"""Engine listeners: every emitted event, after the transcript's emit, until removed."""

from __future__ import annotations

from typing import Any

from wizard_helpers import scripted_registry

from dropwizard.gather import GatherContext
from dropwizard.wizard.engine import Engine
from dropwizard.wizard.model import Flow

CAUSE_102 = {"fake.causes": {"top_cause": 102, "top_cause_share": 0.37, "calls": 120}}


def _engine(flow: Flow, order: list[str], emit: bool = True) -> Engine:
    def transcript(type_: str, fields: dict[str, Any]) -> None:
        order.append(f"transcript:{type_}")

    ctx = GatherContext(flow=flow)
    return Engine(flow, scripted_registry(CAUSE_102, []), ctx, emit=transcript if emit else None)


def test_listener_sees_every_event_after_the_transcript(mini: Flow) -> None:
    order: list[str] = []
    eng = _engine(mini, order)
    seen: list[tuple[str, dict[str, Any]]] = []

    def listener(type_: str, fields: dict[str, Any]) -> None:
        order.append(f"listener:{type_}")
        seen.append((type_, fields))

    eng.add_listener(listener)
    eng.start()
    eng.choose("many")
    eng.gather()
    eng.propose()
    types = [t for t, _ in seen]
    assert types == [
        "node_entered",
        "choice",
        "node_entered",
        "evidence",
        "proposal",
    ]
    assert order == [x for t in types for x in (f"transcript:{t}", f"listener:{t}")]
    evidence = dict(seen)["evidence"]
    assert evidence["node"] == "causes"
    assert evidence["evidence"]["facts"]["top_cause"] == 102


def test_listener_without_a_transcript_and_removal(mini: Flow) -> None:
    order: list[str] = []
    eng = _engine(mini, order, emit=False)
    seen: list[str] = []

    def listener(type_: str, fields: dict[str, Any]) -> None:
        seen.append(type_)

    eng.add_listener(listener)
    eng.add_listener(listener)
    eng.start()
    assert seen == ["node_entered"]
    eng.remove_listener(listener)
    eng.remove_listener(listener)
    eng.note("after removal")
    assert seen == ["node_entered"]
    assert order == []


def test_several_listeners_run_in_the_order_added(mini: Flow) -> None:
    order: list[str] = []
    eng = _engine(mini, order)
    eng.add_listener(lambda t, f: order.append(f"a:{t}"))
    eng.add_listener(lambda t, f: order.append(f"b:{t}"))
    eng.start()
    assert order == ["transcript:node_entered", "a:node_entered", "b:node_entered"]
