"""Modal dialogs: confirm an abort, give an override's reason, quitting, filtering hosts, seeking."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from rollout_tui.domain.host import Fleet, HostState


class QuitChoice(StrEnum):
    """What to do with a rollout this process drives when the TUI closes."""

    PAUSE = "pause"
    """Pause the rollout, wait for the engine to confirm, then stop it."""
    HEADLESS = "headless"
    """Keep the rollout going: the engine continues in this terminal with headless output."""


class Dialog(ModalScreen[object]):
    """A small centred modal; escape cancels (dismisses with None)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmAbort(Dialog):
    """Abort is final: ask first."""

    def __init__(self, rollout_id: str) -> None:
        super().__init__()
        self.rollout_id = rollout_id
        """The rollout that would be aborted."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger"):
            yield Label(f"Abort rollout {self.rollout_id}?", classes="dialog-title")
            yield Label("The engine stops where it is and leaves every host as it stands. This is final.")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Abort rollout", variant="error", id="confirm")
                yield Button("Keep going", variant="primary", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class OverrideReason(Dialog):
    """Opening a closed gate against the signals needs a reason, recorded with the command."""

    def __init__(self, gate_reason: str | None) -> None:
        super().__init__()
        self.gate_reason = gate_reason
        """Why the gate is closed."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -warning"):
            yield Label("Override the gate", classes="dialog-title")
            yield Label(f"Closed because: {self.gate_reason or 'unknown'}")
            yield Label("Why is the gate wrong? (recorded in the log with your name)")
            yield Input(placeholder="e.g. warnings come from a known-bad canary, not the drain", id="reason")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Override", variant="warning", id="confirm")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.notify("An override needs a reason.", severity="warning")
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class QuitDialog(Dialog):
    """This process drives the rollout: pause it, or keep it running headless, before the TUI closes."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("This terminal drives the rollout. On quitting:", classes="dialog-title")
            yield Label(
                "[b]Pause[/b]: record a pause, wait for the engine to confirm it, then stop the engine."
            )
            yield Label("[b]Keep running[/b]: the engine goes on here, headless, after the TUI closes.")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Pause and quit", variant="warning", id="pause")
                yield Button("Keep running", variant="primary", id="headless")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#pause", Button).focus()

    @on(Button.Pressed, "#pause")
    def _pause(self) -> None:
        self.dismiss(QuitChoice.PAUSE)

    @on(Button.Pressed, "#headless")
    def _headless(self) -> None:
        self.dismiss(QuitChoice.HEADLESS)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


ANY = "any"
"""The filter value that lets everything through."""


class FilterDialog(Dialog):
    """Pick a fleet and a state for the host table."""

    def __init__(self, fleet: str | None, state: str | None) -> None:
        super().__init__()
        self.fleet = fleet
        """The fleet filter in force."""
        self.state = state
        """The state filter in force."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Filter hosts", classes="dialog-title")
            yield Select(
                [("any fleet", ANY)] + [(f"{f.value} fleet", f.value) for f in Fleet],
                value=self.fleet or ANY,
                allow_blank=False,
                id="fleet",
            )
            yield Select(
                [("any state", ANY)] + [(s.value, s.value) for s in HostState],
                value=self.state or ANY,
                allow_blank=False,
                id="state",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Show all", id="clear")

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        fleet = self.query_one("#fleet", Select).value
        state = self.query_one("#state", Select).value
        self.dismiss((None if fleet == ANY else str(fleet), None if state == ANY else str(state)))

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss((None, None))


class SeekDialog(Dialog):
    """Where to go in a replay: a seq or an event time; `parse` checks it before the dialog closes."""

    def __init__(self, hint: str, parse: Callable[[str], object]) -> None:
        super().__init__()
        self.hint = hint
        """What can be typed."""
        self.parse = parse
        """Reads the input into a target; raises ValueError with a message."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Go to", classes="dialog-title")
            yield Label(self.hint)
            yield Input(placeholder="e.g. 00:14:00, +0:10:00, #1234", id="target")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Go", variant="primary", id="confirm")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        text = self.query_one("#target", Input).value
        try:
            target = self.parse(text)
        except ValueError as err:
            self.notify(str(err), severity="warning")
            return
        self.dismiss(target)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
