"""Compact sngrep-like call ladder as plain text lines."""

from __future__ import annotations

from typing import Any

COL = 28


def ladder(call: dict[str, Any], width: int = 100) -> list[str]:
    """One line per message: offset, then an arrow between the address columns with its label."""
    addrs: list[str] = []
    for e in call["timeline"]:
        for a in (e["src"], e["dst"]):
            if a not in addrs:
                addrs.append(a)
    if not addrs:
        return ["(no SIP messages)"]
    col = max(18, min(COL, (width - 12) // max(1, len(addrs))))
    pos = {a: i * col + col // 2 for i, a in enumerate(addrs)}
    total = col * len(addrs)
    head = [" "] * total
    for a, p in pos.items():
        label = a[: col - 2]
        start = max(0, p - len(label) // 2)
        head[start : start + len(label)] = label
    lines = [" " * 10 + "".join(head).rstrip()]
    for e in call["timeline"]:
        row = [" "] * total
        for p in pos.values():
            row[p] = "│"
        a, b = pos[e["src"]], pos[e["dst"]]
        lo, hi = min(a, b), max(a, b)
        if lo == hi:
            row[lo] = "○"
        else:
            for i in range(lo + 1, hi):
                row[i] = "─"
            row[hi - 1 if b > a else lo + 1] = "▶" if b > a else "◀"
            label = f" {e['msg']} "[: max(1, hi - lo - 3)]
            start = lo + 1 + max(1, (hi - lo - 1 - len(label)) // 2)
            row[start : start + len(label)] = label
        off = e["offset_s"]
        lines.append(f"{off:+9.3f} " + "".join(row).rstrip())
    if call.get("timeline_cut"):
        lines.append(f"          … {call['timeline_cut']} more messages not shown")
    return lines
