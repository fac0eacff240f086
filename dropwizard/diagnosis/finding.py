"""The Finding model and the stable finding ids of DESIGN.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

FINDING_IDS: tuple[str, ...] = (
    "rtp_timeout",
    "session_timer_expiry",
    "firewall_udp_timeout",
    "nat_keepalive_loss",
    "failover_switch",
    "provider_rejection",
    "ack_timeout",
    "max_call_duration",
    "rtp_port_exhaustion",
    "sip_alg",
    "service_down",
    "database_unreachable",
    "resource_exhaustion",
    "sip_flood",
    "normal_clearing",
)


class Severity(str, Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1, "info": 0}[self.value]


@dataclass
class Finding:
    """A diagnosis with its evidence sentences and recommendations (DESIGN.md JSON shape)."""

    id: str
    title: str
    severity: Severity
    confidence: float = 0.5
    gateway: str | None = None
    side: str | None = None
    calls: int = 0
    evidence: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.id not in FINDING_IDS:
            raise ValueError(f"unknown finding id {self.id!r}")
        self.severity = Severity(self.severity)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """Most important first: severity, then confidence, then calls affected."""
    return sorted(findings, key=lambda f: (-f.severity.rank, -f.confidence, -f.calls, f.id))
