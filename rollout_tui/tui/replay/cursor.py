"""A position in a rollout's log and the state as of it.

Moving forward folds the events in between, one by one, into the feed the screen shows. Moving backward, or
far forward, rebuilds the state from the nearest snapshot at or before the target (`store.replay.replay`),
so a long log never refolds from its first event; the chart, warnings and event tail are then refilled from
a window of the log just before the target.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import takewhile

from rollout_tui.domain.events import Event, gate_stream
from rollout_tui.postmortem.decisions import DECISION_TYPES, FLAGGED_DECISIONS, is_decision
from rollout_tui.providers.base import parse_iso
from rollout_tui.store import navigate
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay
from rollout_tui.tui.feed import RATE_HISTORY, TAIL_WINDOW, Batch
from rollout_tui.tui.replay.feed import ReplayFeed

FOLD_AHEAD = 5_000
"""Targets at most this many seqs ahead are folded into; further ones are rebuilt from a snapshot."""
CHUNK = 256
"""Events read per query while playing (so a frame never decodes more than it shows)."""


class ReplayCursor:
    """Where a replay stands in one rollout's log, and the feed (state and histories) as of there."""

    def __init__(self, log: EventLog, rollout_id: str) -> None:
        self.log = log
        """A read-only connection to the log."""
        self.rollout_id = rollout_id
        """The rollout replayed."""
        self.feed = ReplayFeed(rollout_id)
        """The state as of `seq` and the histories the screen draws."""
        self.first, self.last = navigate.bounds(log, rollout_id)
        """The rollout's first and last seq (the last as of the latest `refresh_end`)."""
        self.decision: Event | None = None
        """The newest decision at or before `seq`."""

    @property
    def seq(self) -> int:
        """The last seq folded in."""
        return self.feed.fold.seq

    @property
    def at_end(self) -> bool:
        """Whether every event of the rollout known so far is folded in."""
        return self.seq >= self.last

    @property
    def at_decision(self) -> bool:
        """Whether the event at `seq` is itself a decision."""
        return self.decision is not None and self.decision.seq == self.seq

    def refresh_end(self) -> int:
        """Look for events appended since; returns how many seqs the rollout grew by."""
        before = self.last
        self.last = navigate.bounds(self.log, self.rollout_id)[1]
        if self.first == 0:
            self.first = navigate.bounds(self.log, self.rollout_id)[0]
        return self.last - before

    # -- moving ---------------------------------------------------------------------------------------

    def goto(self, seq: int) -> Batch | None:
        """Stand at `seq` (clamped to the rollout): a `Batch` of what changed, or None after a rebuild."""
        seq = max(self.first, min(seq, self.last))
        here = self.seq
        if seq == here:
            return Batch()
        if here < seq <= here + FOLD_AHEAD:
            return self._forward(upto=seq)
        self._rebuild(seq)
        return None

    def step(self, *, forward: bool) -> Batch | None:
        """One event forward or back; an empty `Batch` when there is none."""
        target = navigate.neighbour(self.log, self.rollout_id, self.seq, forward=forward)
        if target is None or target > self.last:
            return Batch()
        return self.goto(target)

    def find_decision(self, *, forward: bool) -> Event | None:
        """The next (or previous) decision after (or before) `seq`, without moving."""
        found = navigate.find(
            self.log, self.rollout_id, self.seq, DECISION_TYPES, forward=forward, flagged=FLAGGED_DECISIONS
        )
        return None if found is None or found.seq > self.last else found

    def seq_at_time(self, when: datetime) -> int:
        """The seq of the last event at or before event time `when` (the first event if it is earlier)."""
        return max(self.first, navigate.seq_at_time(self.log, self.rollout_id, when))

    def forward_until(self, when: datetime) -> Batch:
        """Fold every further event whose event time is at or before `when` (playing)."""
        batch = Batch()
        for events in self._chunks(upto=self.last):
            due = list(takewhile(lambda event: parse_iso(event.at) <= when, events))
            self._apply(due, batch)
            if len(due) < len(events):
                break
        self.feed.settle()
        return batch

    def next_time(self) -> str | None:
        """Event time of the next event, if any."""
        target = navigate.neighbour(self.log, self.rollout_id, self.seq, forward=True)
        event = None if target is None else navigate.event_at(self.log, self.rollout_id, target)
        return None if event is None else event.at

    # -- folding --------------------------------------------------------------------------------------

    def _apply(self, events: list[Event], batch: Batch) -> None:
        self.feed.fold_in(events, batch)
        decisions = [event for event in events if is_decision(event)]
        if decisions:
            self.decision = decisions[-1]

    def _forward(self, *, upto: int) -> Batch:
        batch = Batch()
        for events in self._chunks(upto=upto):
            self._apply(events, batch)
        self.feed.settle()
        return batch

    def _chunks(self, *, upto: int) -> Iterator[list[Event]]:
        """The events after `seq` up to seq `upto`, read `CHUNK` seqs at a time."""
        for pos in range(self.seq, upto, CHUNK):
            yield list(self.log.read(after=pos, upto=min(pos + CHUNK, upto), rollout_id=self.rollout_id))

    def _rebuild(self, seq: int) -> None:
        log, rid = self.log, self.rollout_id
        self.feed.reset(replay(log, rid, at=seq))
        gate = gate_stream(rid)
        start = navigate.stream_window_start(log, gate, seq, RATE_HISTORY)
        readings = log.read(stream=gate, after=max(0, start - 1), upto=seq)
        recent = log.read(after=max(self.first - 1, seq - TAIL_WINDOW), upto=seq, rollout_id=rid)
        self.feed.refill(readings, recent)
        self.decision = navigate.find(
            log, rid, seq + 1, DECISION_TYPES, forward=False, flagged=FLAGGED_DECISIONS
        )
