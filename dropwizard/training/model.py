"""The scenario model: what a training scenario holds (see `dropwizard.training.scenario`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dropwizard.cdr.demo import FAULT_TYPES
from dropwizard.scope import Scope

SCENARIO_FILE = "scenario.yaml"
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")
SCOPE_KINDS: tuple[str, ...] = ("call", "gateway", "window")
ANY_NODE = "any"
KNOWN_FAULTS: tuple[str, ...] = FAULT_TYPES
"""Fault types a scenario may plant: those of the demo generator."""

TOP_KEYS = {
    "id",
    "title",
    "difficulty",
    "flow",
    "brief",
    "scope",
    "dataset",
    "host",
    "capture",
    "params",
    "diagnosis",
    "expect",
    "hints",
    "teaches",
    "path",
    "debrief",
    "why",
}
REQUIRED = ("id", "title", "difficulty", "brief", "dataset", "diagnosis", "debrief")
FAULT_KEYS = ("type", "gateway", "params", "share", "window")


@dataclass
class Fault:
    """One planted fault: a demo-generator fault type, the gateway it hits, its parameters."""

    type: str
    gateway: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    share: float | None = None
    window: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fault as `dropwizard.cdr.demo.generate()` takes it."""
        d: dict[str, Any] = {
            "type": self.type,
            "gateway": self.gateway,
            "params": dict(self.params),
        }
        if self.share is not None:
            d["share"] = self.share
        if self.window is not None:
            d["window"] = self.window
        return d

    def describe(self) -> str:
        bits = [self.type, f"on {self.gateway}" if self.gateway else "on every gateway"]
        bits += [f"{k}={v}" for k, v in self.params.items()]
        if self.share is not None:
            bits.append(f"share={self.share}")
        if self.window:
            bits.append(f"{self.window[0]}-{self.window[1]}")
        return " ".join(bits)


@dataclass
class Dataset:
    """Input of the demo generator."""

    seed: int
    day: str
    calls: int
    faults: list[Fault] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def generate_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `dropwizard.cdr.demo.generate()`."""
        return {
            "seed": self.seed,
            "day": date.fromisoformat(self.day),
            "calls": self.calls,
            "faults": [f.to_dict() for f in self.faults],
            **self.extra,
        }


@dataclass
class Diagnosis:
    """The true answer: the finding ids a walk must reach, and where the fault sits."""

    findings: list[str]
    gateway: str | None = None
    side: str | None = None
    match: str = "all"
    """`all`: a walk must reach every finding; `any`: one of them (faults one walk cannot both
    reach, e.g. two faults on different gateways)."""

    def describe(self) -> str:
        where = f" on gateway {self.gateway}" if self.gateway else ""
        joint = " + " if self.match == "all" else " or "
        return joint.join(self.findings) + where


@dataclass
class Scenario:
    """A loaded, validated scenario."""

    id: str
    title: str
    difficulty: str
    brief: str
    dataset: Dataset
    diagnosis: Diagnosis
    debrief: str
    directory: Path
    flow: str = "call-drop"
    scope: Scope = field(default_factory=Scope)
    host_dir: Path | None = None
    capture: Path | None = None
    params: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, str] = field(default_factory=dict)
    """Per node, the scenario's answer (the first option `expect` lists)."""
    also: dict[str, list[str]] = field(default_factory=dict)
    """Per node, the other options `expect` lists: accepted alternatives, as right as the answer."""
    why: dict[str, str] = field(default_factory=dict)
    """Per node, why the scenario's answer (and any alternative) is right there."""
    hints: dict[str, list[str]] = field(default_factory=dict)
    teaches: list[str] = field(default_factory=list)
    walk: list[str] = field(default_factory=list)
    """The model walk: the node ids following the evidence visits, start to finding."""

    @property
    def path(self) -> Path:
        return self.directory / SCENARIO_FILE

    @property
    def difficulty_rank(self) -> int:
        return DIFFICULTIES.index(self.difficulty) if self.difficulty in DIFFICULTIES else 9

    def accepted(self, node_id: str) -> list[str]:
        """The options the scenario counts as right at a node: its answer first, then the
        accepted alternatives; empty when the scenario says nothing about the node."""
        if node_id not in self.expect:
            return []
        return [self.expect[node_id], *self.also.get(node_id, [])]

    def hints_for(self, node_id: str) -> list[str]:
        return list(self.hints.get(node_id, [])) + list(self.hints.get(ANY_NODE, []))
