"""The help screen: every key, what the banner colours mean, and where commands go."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: tuple[tuple[str, str], ...] = (
    ("p", "Pause the rollout: no boots, drains or terminations until resumed."),
    ("r", "Resume a paused rollout."),
    ("s", "Step: in manual mode, allow the next drain step."),
    ("a", "Approve a held gate (yellow banner) so draining may go on."),
    ("o", "Override a blocked or held gate: asks for a reason, recorded with your name."),
    ("x", "Abort the rollout (asks first): the engine stops, hosts stay as they are."),
    ("f", "Filter the host table by fleet and state."),
    ("t", "Sort the host table (or click a column header)."),
    ("ctrl+p", "Command palette: every action above by name."),
    ("? / f1", "This help."),
    ("q", "Quit: if this terminal drives the rollout, choose to pause it or keep it running headless."),
)
"""Keys and what they do, as the help screen lists them."""

NOTES = """\
Commands are events: each key appends an operator event to the log and the engine driving the rollout \
answers it within one tick, from this terminal or any other. What you see is folded from the log, so \
`rollout-tui status` and `replay` show the same thing.

Banner: one line while the gate is open; red (blocked) when the warning rate is above its threshold, \
which clears by itself after several good readings; yellow (held) when it needs an operator to approve. \
Times are event times (simulated under the simulator), never the wall clock."""


REPLAY_NOTES = """\
A replay only reads the log (it is opened read-only): nothing here can pause, approve or abort anything. \
Forward moves fold the events in between; backward moves and seeks rebuild the state from the nearest \
snapshot at or before the target. Playing runs event time at the speed shown (1x to 100x). Follow stays at \
the end and shows events as the engine appends them. The chart and warnings table cover the last 240 \
readings before the position. Times are event times (simulated under the simulator), never the wall clock."""


class HelpScreen(ModalScreen[None]):
    """Keys and a few words on what the screen shows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close"),
    ]

    def __init__(
        self, keys: tuple[tuple[str, str], ...] = KEYS, notes: str = NOTES, heading: str = "rollout-tui: keys"
    ) -> None:
        super().__init__()
        self.keys = keys
        """Key and what it does, one row each."""
        self.notes = notes
        """A few words under the keys."""
        self.heading = heading
        """The heading."""

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, text in self.keys:
            table.add_row(key, text)
        with VerticalScroll(classes="dialog help"):
            yield Static(Text(self.heading, style="bold"), classes="dialog-title")
            yield Static(table)
            yield Static(self.notes, classes="help-notes", markup=False)
            yield Static(Text("escape closes", style="dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
