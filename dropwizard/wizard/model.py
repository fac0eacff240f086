"""The flow model: a decision tree as data, with the YAML line of every part kept.

Field names are the YAML keys (docs/flow-format.md). Field metadata carries what the JSON
Schema says about each key (`doc`, `enum`, `required`), so `dropwizard.wizard.schema` can
generate `flows/schema.json` from these classes alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dropwizard.diagnosis.finding import FINDING_IDS

NODE_TYPES: tuple[str, ...] = ("ask", "check", "finding", "end")
SEVERITIES: tuple[str, ...] = ("high", "medium", "low", "info")
CATEGORIES: tuple[str, ...] = ("network", "configuration", "upstream", "none")
FIX_KINDS: tuple[str, ...] = ("fix", "workaround", "diagnostic")
FIX_LABELS: dict[str, str] = {"fix": "FIX", "workaround": "WORKAROUND", "diagnostic": "CHECK"}
CONTINUE = "continue"
"""The implicit option of a finding node that has `next`."""


def meta(doc: str, *, enum: tuple[str, ...] | None = None, required: bool = False) -> dict:
    """Schema metadata for a model field."""
    out: dict[str, Any] = {"doc": doc, "required": required}
    if enum:
        out["enum"] = enum
    return out


@dataclass
class Fix:
    """One recommendation of a finding: a fix, a workaround or a diagnostic step."""

    kind: str = field(metadata=meta("fix | workaround | diagnostic", enum=FIX_KINDS, required=True))
    text: str = field(metadata=meta("What to do, in words", required=True))
    menu: str | None = field(default=None, metadata=meta("VOS3000 menu path, verbatim"))
    commands: list[str] = field(default_factory=list, metadata=meta("Shell lines, verbatim"))
    when: str | None = field(
        default=None, metadata=meta("Condition: the fix is left out when it is false")
    )
    line: int = field(default=0, metadata={"internal": True})
    condition: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})

    def label(self) -> str:
        """The recommendation line: `FIX: text [menu]: cmd; cmd`."""
        out = f"{FIX_LABELS.get(self.kind, self.kind.upper())}: {self.text}"
        if self.menu:
            out += f" [{self.menu}]"
        if self.commands:
            out += ": " + "; ".join(self.commands)
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.menu:
            d["menu"] = self.menu
        if self.commands:
            d["commands"] = list(self.commands)
        if self.when:
            d["when"] = self.when
        return d


@dataclass
class DropType:
    """A row of the guide's drop-type table."""

    duration: str | None = field(default=None, metadata=meta("When the call drops"))
    sip: str | None = field(default=None, metadata=meta("What SIP shows"))
    cause: str | None = field(default=None, metadata=meta("The CDR release cause"))
    line: int = field(default=0, metadata={"internal": True})


@dataclass
class FindingSpec:
    """A catalogue entry: what a finding is and how to fix it."""

    title: str = field(metadata=meta("Short name of the diagnosis", required=True))
    severity: str = field(metadata=meta("Severity", enum=SEVERITIES, required=True))
    explain: str = field(metadata=meta("What it is, in teaching words", required=True))
    category: str = field(default="none", metadata=meta("Origin of the problem", enum=CATEGORIES))
    drop_type: DropType | None = field(default=None, metadata=meta("Drop-type table row"))
    fixes: list[Fix] = field(default_factory=list, metadata=meta("Fixes, workarounds, checks"))
    reference: str | None = field(default=None, metadata=meta("Where this comes from"))
    id: str = field(default="", metadata={"internal": True})
    line: int = field(default=0, metadata={"internal": True})


@dataclass
class PreventionItem:
    """One line of the prevention checklist."""

    text: str = field(metadata=meta("What to do", required=True))
    where: str | None = field(default=None, metadata=meta("Where it is configured"))
    impact: str | None = field(default=None, metadata=meta("What it prevents"))
    line: int = field(default=0, metadata={"internal": True})


@dataclass
class Option:
    """One way out of an ask or check node."""

    id: str = field(metadata=meta("Option id, unique within the node", required=True))
    label: str = field(metadata=meta("What the operator sees", required=True))
    next: str = field(metadata=meta("Id of the node this option leads to", required=True))
    when: str | None = field(
        default=None, metadata=meta("Condition over facts: when true, the engine proposes it")
    )
    because: str | None = field(
        default=None, metadata=meta("Reason template: {fact}, {fact:fmt}, {fact:pct}")
    )
    line: int = field(default=0, metadata={"internal": True})
    condition: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})
    template: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})


@dataclass
class Node:
    """A step of the walk: ask, check, finding or end."""

    id: str = field(metadata=meta("Node id, unique within the flow", required=True))
    type: str = field(metadata=meta("Node type", enum=NODE_TYPES, required=True))
    title: str = field(metadata=meta("Short title", required=True))
    explain: str = field(metadata=meta("Why this step matters, in teaching words", required=True))
    reference: str = field(metadata=meta("Where this step comes from", required=True))
    question: str | None = field(default=None, metadata=meta("The question asked"))
    gather: list[str] = field(
        default_factory=list, metadata=meta("Gatherer names whose facts feed the conditions")
    )
    options: list[Option] = field(default_factory=list, metadata=meta("Ways out (ask/check)"))
    default: str | None = field(
        default=None, metadata=meta("Option a headless walk takes when nothing decides")
    )
    finding: str | None = field(default=None, metadata=meta("Finding id (finding nodes)"))
    next: str | None = field(
        default=None, metadata=meta("Node after a finding; without it the finding is a leaf")
    )
    hint: str | None = field(default=None, metadata=meta("Training hint"))
    line: int = field(default=0, metadata={"internal": True})

    def option(self, option_id: str) -> Option | None:
        for opt in self.ways_out():
            if opt.id == option_id:
                return opt
        return None

    def ways_out(self) -> list[Option]:
        """The options, plus the implicit `continue` of a finding node with `next`."""
        if self.type == "finding" and self.next:
            return [Option(id=CONTINUE, label="Continue", next=self.next, line=self.line)]
        return list(self.options)

    def targets(self) -> list[str]:
        """Ids of the nodes this node can lead to."""
        return [o.next for o in self.ways_out()]

    @property
    def is_leaf(self) -> bool:
        return self.type == "end" or (self.type == "finding" and not self.next)


@dataclass
class Flow:
    """A decision tree."""

    id: str = field(metadata=meta("Flow id (the file stem by convention)", required=True))
    title: str = field(metadata=meta("Flow title", required=True))
    start: str = field(metadata=meta("Id of the first node", required=True))
    nodes: list[Node] = field(metadata=meta("The nodes", required=True))
    version: int = field(default=1, metadata=meta("Flow version"))
    reference: str | None = field(default=None, metadata=meta("Source document"))
    findings: dict[str, FindingSpec] = field(
        default_factory=dict,
        metadata={**meta("Finding catalogue, keyed by finding id"), "keys": FINDING_IDS},
    )
    prevention: list[PreventionItem] = field(
        default_factory=list, metadata=meta("Prevention checklist shown at the end")
    )
    path: Path | None = field(default=None, metadata={"internal": True})
    digest: str = field(default="", metadata={"internal": True})
    by_id: dict[str, Node] = field(default_factory=dict, metadata={"internal": True})

    def __post_init__(self) -> None:
        if not self.by_id:
            self.by_id = {n.id: n for n in self.nodes}

    def node(self, node_id: str) -> Node:
        return self.by_id[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.by_id
