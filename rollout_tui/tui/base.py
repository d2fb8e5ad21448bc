"""What the live and the replay apps share: the stylesheet, the width breakpoints and the quit key."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.app import App
from textual.binding import Binding, BindingType

ReturnType = TypeVar("ReturnType")


class RolloutViewApp(App[ReturnType]):
    """A screen of one rollout, live or replayed."""

    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True)
    ]
