"""VOS3000 switch-internal end reasons (negative `endreason`) and `enddirection` values.

No primary source maps every negative code; only these have evidence (vos3000.md §2.2).
Unknown codes stay visible as unknown.
"""

from __future__ import annotations

INTERNAL: dict[int, str] = {
    -9: "Illegal call (unauthorised caller, e.g. a SIP scanner)",
    -69: "Rejected before routing (no available route)",
    -80: "Temporarily unreachable",
}

INTERNAL_Q850: dict[int, int] = {-9: 21, -69: 3, -80: 41}
"""The Q.850 cause that best describes each known internal code."""

DIRECTIONS: dict[int, str] = {0: "caller", 1: "callee", 2: "switch"}


def internal_meaning(code: int) -> str:
    return INTERNAL.get(code, f"unknown VOS3000 internal code {code}")


def direction_name(value: int | None) -> str | None:
    """`enddirection` 0/1/2 as caller/callee/switch; None when absent or unknown."""
    if value is None:
        return None
    return DIRECTIONS.get(int(value))
