"""Warnings aggregated by fingerprint: one row per kind of warning, never one per warning."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from rollout_tui.tui.feed import SeenFingerprint
from rollout_tui.tui.widgets.style import clock

SHOWN = 50
"""Fingerprints listed at most."""


class WarningsTable(DataTable[object]):
    """Occurrences in its last window, when last seen (event time), fingerprint and its peak count."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._last: tuple[object, ...] | None = None

    def on_mount(self) -> None:
        self.add_column("count", width=6, key="count")
        self.add_column("seen", width=8, key="seen")
        self.add_column("fingerprint (peak)", key="fingerprint")

    def show(self, seen: dict[str, SeenFingerprint]) -> None:
        """Rebuild from the fingerprints seen (a few dozen rows at most), newest and commonest first."""
        ranked = sorted(seen.items(), key=lambda kv: (kv[1].last_seen, kv[1].count), reverse=True)[:SHOWN]
        key = tuple((f, s.count, s.last_seen) for f, s in ranked)
        if key == self._last:
            return
        self._last = key
        self.clear()
        for fingerprint, item in ranked:
            self.add_row(
                Text(f"{item.count:,}", justify="right", style="bold"),
                clock(item.last_seen),
                Text.assemble(fingerprint, (f" ({item.peak:,})", "dim")),
                key=fingerprint,
            )
