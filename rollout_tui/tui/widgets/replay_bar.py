"""The replay's position: as of which seq and event time, which decision, playing or not, following or not."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from rollout_tui.domain.events import Event
from rollout_tui.postmortem.decisions import decision_title
from rollout_tui.tui.widgets.style import clock


@dataclass(frozen=True, slots=True)
class Position:
    """Everything the bar says, as plain values."""

    seq: int
    """The last seq folded in."""
    at: str | None
    """Its event time."""
    first: int
    """The rollout's first seq."""
    last: int
    """The rollout's last seq known."""
    decision: Event | None
    """The newest decision at or before `seq`."""
    playing: bool
    """Whether the play clock runs."""
    speed: int
    """Event seconds per real second."""
    play_clock: str | None
    """The event time played up to, while playing."""
    following: bool
    """Whether new events are folded in as they are appended."""


class ReplayBar(Static):
    """Two lines: the position and the play or follow state; the decision here or the last one before."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._last: Position | None = None

    def show(self, position: Position) -> None:
        """Redraw if the position changed."""
        if position == self._last:
            return
        self._last = position
        p = position
        top = Text(no_wrap=True, overflow="ellipsis")
        if p.following:
            top.append(" ● FOLLOW ", "bold black on green")
        elif p.playing:
            top.append(f" ▶ {p.speed}x ", "bold black on cyan")
        else:
            top.append(f" ‖ {p.speed}x ", "bold white on grey30")
        top.append(f" as of seq {p.seq:,}", "bold")
        top.append(f", time {clock(p.at)}", "bold cyan")
        if p.playing and p.play_clock:
            top.append(f" (playing {clock(p.play_clock)})", "cyan")
        top.append(f"  ·  seq {p.first:,}–{p.last:,}", "dim")
        if p.seq >= p.last:
            top.append(" (end)", "dim")
        elif not p.following:
            top.append(f" ({p.last - p.seq:,} more)", "dim")
        bottom = Text(no_wrap=True, overflow="ellipsis")
        decision = p.decision
        if decision is None:
            bottom.append(" no decision yet", "dim")
        elif decision.seq == p.seq:
            bottom.append(" at decision: ", "bold yellow")
            bottom.append(decision_title(decision), "bold")
        else:
            bottom.append(" last decision: ", "dim")
            bottom.append(decision_title(decision))
            bottom.append(f" (seq {decision.seq:,}, {clock(decision.at)})", "dim")
        self.update(Text("\n").join([top, bottom]))
