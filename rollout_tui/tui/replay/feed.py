"""The replay's feed: the live feed whose histories can be rebuilt as of any seq.

The live feed keeps every fingerprint ever seen; a replay must show the same screen at seq N whether it got
there step by step or by a seek, so here the warnings table covers the readings the chart shows (the last
`RATE_HISTORY`), and both are rebuilt from the log's gate stream after a seek.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rollout_tui.domain.events import Event
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.tui.feed import RATE_HISTORY, LiveFeed, RatePoint, SeenFingerprint


class ReplayFeed(LiveFeed):
    """A `LiveFeed` whose state can be replaced by a rebuilt fold and whose histories are windows."""

    def __init__(self, rollout_id: str | None) -> None:
        super().__init__(rollout_id)
        self.readings: deque[Event] = deque(maxlen=RATE_HISTORY)
        """The signal readings the chart and the warnings table cover, oldest first."""
        self._stale = False

    def reset(self, fold: RolloutProjection) -> None:
        """Show `fold` from now on, with empty histories (refill them with `note`)."""
        self.fold = fold
        self.rates.clear()
        self.readings.clear()
        self.tail.clear()
        self.seen = {}
        self._policy = False
        self._stale = False

    def _observed(self, event: Event) -> None:
        self.rates.append(RatePoint(event.at, float(event.data.get("warnings_per_minute", 0.0))))
        self.readings.append(event)
        self._stale = True

    def settle(self) -> None:
        """Recount the warnings table over the readings kept, if any arrived."""
        if not self._stale:
            return
        seen: dict[str, SeenFingerprint] = {}
        for event in self.readings:
            for fingerprint, count in event.data.get("fingerprints", []):
                before = seen.get(fingerprint)
                seen[fingerprint] = SeenFingerprint(
                    int(count), event.at, max(int(count), before.peak if before else 0)
                )
        self.seen = seen
        self._stale = False

    def refill(self, readings: Iterable[Event], recent: Iterable[Event]) -> None:
        """After `reset`: fill the histories (see `LiveFeed.refill`), then recount the warnings table."""
        super().refill(readings, recent)
        self.settle()
