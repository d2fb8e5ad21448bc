"""The replay screen: the rollout view as of a seq of the log, with keys that move through it.

No key here appends anything: the app opens the log read-only and has no operator commands.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from rollout_tui.tui.screens.view import RolloutView
from rollout_tui.tui.widgets.replay_bar import ReplayBar

REPLAY_BINDINGS: list[BindingType] = [
    Binding("left,h", "app.step_back", "Back", id="replay.step_back", key_display="←", priority=True),
    Binding("right,l", "app.step_forward", "Fwd", id="replay.step_forward", key_display="→", priority=True),
    Binding("n", "app.next_decision", "Next dec", id="replay.next_decision"),
    Binding("N", "app.previous_decision", "Prev dec", id="replay.previous_decision", key_display="N"),
    Binding("space", "app.play", "Play", id="replay.play", key_display="space"),
    Binding("plus,equals_sign", "app.faster", "Faster", id="replay.faster", key_display="+", show=False),
    Binding("minus", "app.slower", "Slower", id="replay.slower", key_display="-", show=False),
    Binding("colon", "app.seek", "Seek", id="replay.seek", key_display=":"),
    Binding(
        "home,less_than_sign",
        "app.start",
        "Start",
        id="replay.start",
        key_display="home",
        show=False,
        priority=True,
    ),
    Binding(
        "end,greater_than_sign",
        "app.end",
        "End",
        id="replay.end",
        key_display="end",
        show=False,
        priority=True,
    ),
    Binding("F", "app.follow", "Follow", id="replay.follow", key_display="F"),
    Binding("f", "app.filter", "Filter", id="replay.filter", show=False),
    Binding("t", "app.sort", "Sort", id="replay.sort", show=False),
    Binding("q", "app.quit", "Quit", id="replay.quit"),
    Binding("question_mark,f1", "app.help", "Help", id="replay.help", key_display="?"),
]
"""The replay's keys; the help screen and the palette list the same actions. Arrows, home and end take
priority over the host table's own (which would only move its cursor)."""


class ReplayScreen(RolloutView):
    """A past (or still running) rollout as of one seq, moved by steps, decisions, play, seek and follow."""

    KEY_HINTS = False
    BINDINGS: ClassVar[list[BindingType]] = REPLAY_BINDINGS

    def __init__(self) -> None:
        super().__init__(mode="replay · read-only")

    def compose_extra(self) -> ComposeResult:
        yield ReplayBar(id="replay-bar")
