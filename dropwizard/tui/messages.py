"""Messages posted by thread workers; only screen handlers touch widgets and the engine."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class EvidenceArrived(Message):
    """One gatherer finished (posted from the gather thread as the engine emits it)."""

    def __init__(self, node: str, evidence: Any) -> None:
        super().__init__()
        self.node = node
        self.evidence = evidence


class GatherDone(Message):
    """The node's gatherers all returned (or were cancelled)."""

    def __init__(self, node: str, evidence: list[Any], cancelled: bool) -> None:
        super().__init__()
        self.node = node
        self.evidence = evidence
        self.cancelled = cancelled


class GatherFailed(Message):
    """The engine itself raised while gathering."""

    def __init__(self, node: str, error: BaseException) -> None:
        super().__init__()
        self.node = node
        self.error = error
