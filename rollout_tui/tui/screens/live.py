"""The live screen: the rollout view with the operator's keys, which append commands through the app."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from rollout_tui.tui.screens.view import RolloutView


class LiveScreen(RolloutView):
    """Everything on-call needs while a rollout runs; keys send operator commands through the app."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "app.pause", "Pause", id="pause"),
        Binding("r", "app.resume", "Resume", id="resume"),
        Binding("s", "app.step", "Step", id="step"),
        Binding("a", "app.approve", "Approve", id="approve"),
        Binding("o", "app.override", "Override", id="override"),
        Binding("x", "app.abort", "Abort", id="abort"),
        Binding("q", "app.quit", "Quit", id="quit"),
        Binding("f", "app.filter", "Filter", id="filter"),
        Binding("t", "app.sort", "Sort", id="sort", show=False),
        Binding("question_mark,f1", "app.help", "Help", id="help", key_display="?"),
    ]
