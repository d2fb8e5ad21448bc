"""Warning fingerprints: the same message with its numbers, ids, hex and quoted values normalised away.

So the TUI and the events say "1,204 x `node_modules allocation failed for app <id>`", not a flood.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`"), "<str>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"\b(?:[a-z]+-)+(?=[0-9a-f]*\d)[0-9a-f]+\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b", re.I), "<hex>"),
    (re.compile(r"\b\d{16,}\b"), "<hex>"),
    (re.compile(r"\d+(?:[.,]\d+)*"), "<n>"),
    (re.compile(r"\s+"), " "),
]


def fingerprint(message: str) -> str:
    """The message with variable parts replaced by placeholders: `<str>`, `<uuid>`, `<hex>`, `<id>`, `<n>`."""
    text = message.strip()
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text


def aggregate(messages: Iterable[tuple[str, int]], top: int = 5) -> list[list[object]]:
    """Counts per fingerprint, largest first (ties by text): `[[fingerprint, count], ...]`, at most `top`."""
    counts: Counter[str] = Counter()
    cache: dict[str, str] = {}
    for message, count in messages:
        key = cache.get(message)
        if key is None:
            key = cache[message] = fingerprint(message)
        counts[key] += count
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [[key, count] for key, count in ranked[:top]]
