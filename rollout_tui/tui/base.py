"""What the live and the replay apps share: the stylesheet, the width breakpoints, the quit key, and the
host table's filter and sort."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.app import App
from textual.binding import Binding, BindingType

from rollout_tui.tui.screens.dialogs import FilterDialog
from rollout_tui.tui.screens.view import RolloutView

ReturnType = TypeVar("ReturnType")


class RolloutViewApp(App[ReturnType]):
    """A screen of one rollout, live or replayed."""

    CSS_PATH = "app.tcss"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False, priority=True)
    ]

    @property
    def rollout_view(self) -> RolloutView:
        """The rollout's screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, RolloutView))

    def action_filter(self) -> None:
        table = self.rollout_view.hosts

        def done(choice: object) -> None:
            if isinstance(choice, tuple):
                table.set_filter(*choice)

        self.push_screen(FilterDialog(table.fleet_filter, table.state_filter), done)

    def action_sort(self) -> None:
        self.rollout_view.hosts.cycle_sort()
