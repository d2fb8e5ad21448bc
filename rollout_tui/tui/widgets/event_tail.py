"""The tail of the event log: one line per notable event, as the headless run prints them."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from rollout_tui.tui.feed import TAIL_LINES

_STYLES = (
    ("GateBlocked", "bold red"),
    ("GateHeld", "bold yellow"),
    ("GateCleared", "green"),
    ("GateOverridden", "bold magenta"),
    ("Operator", "bold cyan"),
    ("CommandRejected", "yellow"),
    ("Rollout", "bold"),
    ("failed", "red"),
)


def styled(line: str) -> Text:
    """A tail line coloured by what it reports."""
    for needle, style in _STYLES:
        if needle in line:
            return Text(line, style=style)
    return Text(line)


class EventTail(RichLog):
    """The newest notable events, oldest at the top."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=TAIL_LINES, wrap=False, markup=False, highlight=False)

    def add(self, lines: Iterable[str]) -> None:
        """Append lines (only the last screenful of a large batch)."""
        for line in list(lines)[-TAIL_LINES:]:
            self.write(styled(line), scroll_end=True)
        self.call_after_refresh(self.scroll_end, animate=False)
