"""Messages the engine worker posts to the app (thread-safe, merged when they flood)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class EngineTicked(Message):
    """The in-process engine finished a tick: new events are in the log. Floods merge into one."""

    seq: int
    """The engine's last folded seq."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EngineTicked)


@dataclass
class EngineStopped(Message):
    """The in-process engine returned or failed."""

    code: int
    """Its exit code (DESIGN.md exit codes)."""
    error: str | None
    """Why it failed, in one line; None when it returned normally."""
