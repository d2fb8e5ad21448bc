"""Two engines taking the lease at the same moment: whatever the interleaving, exactly one holds it.

Each case drives one interleaving of the two engines' steps in this process, on two connections to one log,
so it is deterministic. Issue 9: an engine that found the lease free, then read the stream's version again to
append after it, counted the other engine's acquisition made in between and took the lease as well; the two
engines then fought over the rollout until it ran into its maximum duration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rollout_tui.domain.events import LEASE_STREAM, Event, EventType
from rollout_tui.engine.lease import Lease
from rollout_tui.errors import LeaseHeldError
from rollout_tui.store.log import EventLog

AT = "2026-01-01T00:00:00Z"
FIRST = "first@elsewhere:1"
SECOND = "second@elsewhere:2"
"""Holders on another machine: alive as far as this one can tell, so only a lease's expiry frees them."""


class LogWithAnotherEngineRightBehind(EventLog):
    """A log on which another engine takes the lease right after this one has looked at the lease stream."""

    other: Lease | None = None
    """The engine about to take the lease; it does so once, after this engine's next look."""

    def last_of_stream(self, stream: str) -> Event | None:
        newest = super().last_of_stream(stream)
        if stream == LEASE_STREAM and self.other is not None:
            other, self.other = self.other, None
            other.acquire(AT)
        return newest


def acquisitions(db: Path) -> list[str]:
    with EventLog(db) as log:
        return [
            str(event.data["holder"])
            for event in log.read()
            if event.stream == LEASE_STREAM and event.type == EventType.LEASE_ACQUIRED
        ]


@pytest.mark.parametrize("before", ["nothing", "a released lease"])
def test_an_engine_that_finds_the_lease_free_loses_it_to_one_that_took_it_after_the_look(
    tmp_path: Path, before: str
) -> None:
    db = tmp_path / "rollout.db"
    with EventLog(db) as log:
        if before == "a released lease":
            earlier = Lease(log, "r", "earlier@elsewhere:3", 30)
            earlier.acquire(AT)
            earlier.release(AT)
    with EventLog(db) as first_log, LogWithAnotherEngineRightBehind(db) as second_log:
        first = Lease(first_log, "r", FIRST, 30)
        second = Lease(second_log, "r", SECOND, 30)
        second_log.other = first
        with pytest.raises(LeaseHeldError, match=FIRST):
            second.acquire(AT)
        assert first.current() == second.current()
        assert first.current() is not None and first.current()[0] == FIRST
    assert acquisitions(db)[-1:] == [FIRST] and SECOND not in acquisitions(db)


def test_an_engine_that_found_the_lease_held_is_refused_without_appending(tmp_path: Path) -> None:
    db = tmp_path / "rollout.db"
    with EventLog(db) as first_log, EventLog(db) as second_log:
        Lease(first_log, "r", FIRST, 30).acquire(AT)
        with pytest.raises(LeaseHeldError, match=f"driven by {FIRST}"):
            Lease(second_log, "r", SECOND, 30).acquire(AT)
    assert acquisitions(db) == [FIRST]
