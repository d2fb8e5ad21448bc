"""Messages the engine worker posts to the app (thread-safe, merged when they flood)."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from rollout_tui.domain.events import Event


@dataclass
class EngineTicked(Message):
    """The in-process engine finished a tick, and hands over the events it folded since the last one.

    Floods merge into one: the newest replaces the ones not yet handled, whose events are then read from
    the log instead (the app sees the gap between its last seq and `after`).
    """

    seq: int
    """The engine's last folded seq."""
    after: int = 0
    """The engine's seq before `events`: they follow on from it without a gap."""
    events: tuple[Event, ...] = field(default=())
    """Everything the engine folded in the tick (its own events and anyone else's), in log order."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EngineTicked)


@dataclass
class EngineStopped(Message):
    """The in-process engine returned or failed."""

    code: int
    """Its exit code (DESIGN.md exit codes)."""
    error: str | None
    """Why it failed, in one line; None when it returned normally."""
