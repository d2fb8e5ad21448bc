"""The replay's play head: an event-time clock that runs at 1x to 100x while playing."""

from __future__ import annotations

from datetime import datetime, timedelta

SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100)
"""Event seconds per real second that `faster` and `slower` step through."""


class Player:
    """Plays event time: `advance(seconds)` moves the clock by speed x seconds; the app folds up to it.

    The app's timer calls `advance` with the real seconds since its last call; tests call it directly, so
    nothing depends on the wall clock.
    """

    def __init__(self, speed: int = 10) -> None:
        self.speed_index = SPEEDS.index(speed) if speed in SPEEDS else SPEEDS.index(10)
        """Position in `SPEEDS`."""
        self.playing = False
        """Whether the clock runs."""
        self.clock: datetime | None = None
        """The event time played up to (None until played)."""

    @property
    def speed(self) -> int:
        """Event seconds per real second."""
        return SPEEDS[self.speed_index]

    def play(self, start: datetime) -> None:
        """Run the clock from event time `start`."""
        self.clock, self.playing = start, True

    def stop(self) -> None:
        """Stop the clock where it is."""
        self.playing = False

    def faster(self) -> int:
        """The next speed up (stays at the top); returns it."""
        self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)
        return self.speed

    def slower(self) -> int:
        """The next speed down (stays at 1x); returns it."""
        self.speed_index = max(self.speed_index - 1, 0)
        return self.speed

    def advance(self, seconds: float) -> datetime | None:
        """Move the clock by speed x `seconds` of real time; the new clock, or None when not playing."""
        if not self.playing or self.clock is None:
            return None
        self.clock += timedelta(seconds=self.speed * max(0.0, seconds))
        return self.clock
