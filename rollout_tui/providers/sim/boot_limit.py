"""The DNS API's rate limit on launches: so many per sliding minute, the rest wait."""

from __future__ import annotations

from collections import deque


class BootLimiter:
    """Counts launches in the last minute of steps and says how many more the API accepts now."""

    def __init__(self, per_minute: int, steps_per_minute: int) -> None:
        self.per_minute = per_minute
        """Launches accepted per sliding minute."""
        self._span = max(1, steps_per_minute)
        self._recent: deque[tuple[int, int]] = deque()
        self._in_window = 0

    def available(self, step: int) -> int:
        """Launches the API accepts at `step`."""
        while self._recent and self._recent[0][0] <= step - self._span:
            self._in_window -= self._recent.popleft()[1]
        return max(0, self.per_minute - self._in_window)

    def record(self, step: int, launched: int) -> None:
        """Count `launched` launches at `step`."""
        if launched > 0:
            self._recent.append((step, launched))
            self._in_window += launched
