"""The training glossary: Q.850 causes, SIP statuses, RFC 4028, conntrack, NAT, VOS3000 settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

GLOSSARY_FILE = Path(__file__).with_name("glossary.yaml")

CATEGORIES: dict[str, str] = {
    "q850": "Q.850 release causes",
    "sip": "SIP statuses and headers",
    "rfc3261": "SIP transactions and timers (RFC 3261)",
    "rfc4028": "Session timers (RFC 4028)",
    "conntrack": "Linux conntrack",
    "nat": "NAT",
    "media": "RTP and media",
    "cdr": "CDR fields and call statistics",
    "vos3000": "VOS3000 settings and menu paths",
}


@dataclass(frozen=True)
class GlossaryEntry:
    """One term with its explanation and where the explanation comes from."""

    term: str
    category: str
    text: str
    reference: str

    @property
    def category_title(self) -> str:
        return CATEGORIES.get(self.category, self.category)


@lru_cache(maxsize=1)
def _load() -> tuple[GlossaryEntry, ...]:
    raw = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8")) or {}
    out = []
    for item in raw.get("entries") or []:
        out.append(
            GlossaryEntry(
                term=str(item["term"]),
                category=str(item["category"]),
                text=" ".join(str(item["text"]).split()),
                reference=str(item["reference"]),
            )
        )
    return tuple(out)


def entries(category: str | None = None) -> list[GlossaryEntry]:
    """All entries in file order, or those of one category."""
    return [e for e in _load() if category is None or e.category == category]


def categories() -> list[tuple[str, str]]:
    """(id, title) of every category that has entries, in display order."""
    present = {e.category for e in _load()}
    return [(k, v) for k, v in CATEGORIES.items() if k in present]


_TOKEN = re.compile(r"[\w.]+")


def _tokens(text: str) -> list[str]:
    return [t.strip(".") for t in _TOKEN.findall(text.lower())]


def _matches(words: list[str], text: str) -> bool:
    """Every word starts some token of the text (so `ack` finds ACK, not conntrack)."""
    tokens = _tokens(text)
    return all(any(t.startswith(w) for t in tokens) for w in words)


def search(text: str) -> list[GlossaryEntry]:
    """Entries whose term matches every word first, then those whose text does."""
    words = _tokens(text)
    if not words:
        return entries()
    in_term = [e for e in _load() if _matches(words, e.term)]
    in_text = [e for e in _load() if e not in in_term and _matches(words, e.term + " " + e.text)]
    return in_term + in_text


def lookup(term: str) -> GlossaryEntry | None:
    """The entry with exactly this term (case-insensitive)."""
    t = term.strip().lower()
    return next((e for e in _load() if e.term.lower() == t), None)
