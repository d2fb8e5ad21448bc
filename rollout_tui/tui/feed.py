"""What the live screen shows, pulled from the log: the fold plus the short histories a screen needs.

`LiveFeed.pull(log)` reads every event appended since the last pull, folds them into its own
`RolloutProjection` and returns one `Batch`: which hosts changed, which lines to add to the event tail, and
whether signals or the gate moved. The screen applies a whole batch in one refresh, so a thousand host
transitions mean one repaint, not a thousand. No textual here: the benchmark and tests drive it directly.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter
from typing import Any

from rollout_tui.domain.events import OPERATOR_TYPES, Event, EventType, gate_stream
from rollout_tui.domain.gate import GatePolicy
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.engine.engine import gate_policy
from rollout_tui.engine.plan import Plan
from rollout_tui.headless import LINES, LineOf
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay

RATE_HISTORY = 240
"""Signal readings kept for the sparkline (two simulated hours at a 30 s tick)."""
TAIL_LINES = 200
"""Event-tail lines kept."""
CHUNK = 5_000
"""Events read from the log and folded at a time."""
TAIL_WINDOW = 5_000
"""The seqs before a fold rebuilt from a snapshot whose events refill the tail."""


@dataclass(frozen=True, slots=True)
class RatePoint:
    """One warning-rate reading."""

    at: str
    """Event time of the reading."""
    rate: float
    """Warnings per minute."""


@dataclass(frozen=True, slots=True)
class SeenFingerprint:
    """A warning fingerprint as last observed."""

    count: int
    """Occurrences in the last window it was seen in."""
    last_seen: str
    """Event time of that reading."""
    peak: int
    """The most occurrences in any window."""


@dataclass(slots=True)
class Batch:
    """Everything one pull changed."""

    events: int = 0
    """Events folded in."""
    hosts: set[str] = field(default_factory=set)
    """Hosts created or moved."""
    lines: list[str] = field(default_factory=list)
    """New event-tail lines, oldest first."""
    signals: bool = False
    """A reading, baseline or gate decision arrived."""
    whole: bool = False
    """The feed was built afresh (from a snapshot): show everything again."""


def _command(event: Event, data: dict[str, Any]) -> str:
    why = data.get("reason")
    return f"{event.type} by {event.actor}" + (f": {why}" if why else "")


def _unreadable(event: Event, data: dict[str, Any]) -> str:
    return f"signals unreadable: {data.get('detail', '')}"


_TAIL: dict[str, LineOf] = {
    **dict.fromkeys(OPERATOR_TYPES, _command),
    EventType.SIGNALS_UNREADABLE: _unreadable,
    **LINES,
}
"""The event tail's words per event type: the headless account, plus operator commands."""


def tail_line(event: Event) -> str | None:
    """The event-tail line of an event; None for events that get none."""
    line_of = _TAIL.get(event.type)
    words = None if line_of is None else line_of(event, event.data)
    return None if words is None else f"{event.at[11:19]} {words}"


_SIGNAL_TYPES = frozenset(
    {
        EventType.SIGNALS_OBSERVED,
        EventType.SIGNALS_UNREADABLE,
        EventType.BASELINE_MEASURED,
        EventType.GATE_BLOCKED,
        EventType.GATE_HELD,
        EventType.GATE_CLEARED,
        EventType.GATE_OVERRIDDEN,
        EventType.ROLLOUT_PLANNED,
    }
)


class LiveFeed:
    """A rollout's projection kept up to date from the log, with the histories the live screen draws."""

    def __init__(self, rollout_id: str | None) -> None:
        self.fold = RolloutProjection(rollout_id)
        """The rollout's state as of the last pull."""
        self.rates: deque[RatePoint] = deque(maxlen=RATE_HISTORY)
        """Recent warning-rate readings, oldest first."""
        self.seen: dict[str, SeenFingerprint] = {}
        """Every warning fingerprint observed, by fingerprint."""
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        """The event tail, oldest first."""
        self._policy: GatePolicy | bool | None = False

    @property
    def rollout_id(self) -> str | None:
        """The rollout shown."""
        return self.fold.rollout_id

    def start(self, log: EventLog) -> Batch:
        """The first pull: the fold from the newest snapshot, not from the first of a million events.

        The histories come from where they are kept whole: every reading from the gate stream (so the
        chart and every fingerprint ever seen are as a pull from the start would leave them), and the tail
        from the last `TAIL_WINDOW` events. One `Batch` that names every host.
        """
        rid = self.fold.rollout_id
        if rid is None or self.fold.seq or not log.has_rollout(rid):
            return self.pull(log)
        self.fold = fold = replay(log, rid)
        self.refill(
            log.read(stream=gate_stream(rid), upto=fold.seq),
            log.read(after=max(0, fold.seq - TAIL_WINDOW), upto=fold.seq, rollout_id=rid),
        )
        return Batch(hosts=set(fold.hosts), lines=list(self.tail), signals=True, whole=True)

    def refill(self, readings: Iterable[Event], recent: Iterable[Event]) -> None:
        """Fill the histories of a fold rebuilt from a snapshot: the gate stream's readings (oldest
        first), and the events whose lines fill the tail."""
        for event in readings:
            if event.type == EventType.SIGNALS_OBSERVED:
                self._observed(event)
        for event in recent:
            line = tail_line(event)
            if line is not None:
                self.tail.append(line)

    def pull(self, log: EventLog) -> Batch:
        """Fold in what was appended since the last pull; one `Batch` for all of it."""
        fold = self.fold
        events = log.read(after=fold.seq, rollout_id=fold.rollout_id)
        batch = Batch()
        while chunk := list(islice(events, CHUNK)):  # a whole log is never held at once
            self.fold_in(chunk, batch)
        return batch

    def take(self, after: int, events: Sequence[Event], log: EventLog) -> Batch:
        """Fold in events another fold (the in-process engine's) already read, following on from `after`.

        They save reading the log again. If they do not follow on from this fold's seq (a hand-over was
        merged away, or this fold is of another rollout), it pulls from the log instead.
        """
        fold = self.fold
        if after > fold.seq or (events and events[0].rollout_id != fold.rollout_id):
            return self.pull(log)
        start = bisect.bisect_right(events, fold.seq, key=attrgetter("seq"))
        return self.fold_in(events[start:])

    def fold_in(self, events: Iterable[Event], batch: Batch | None = None) -> Batch:
        """Fold events in and note in one `Batch` what they changed.

        Every shown event comes through here, a thousand at a time, so the fold runs alone in its loop
        and what the screen needs is gathered afterwards with set operations: which hosts moved, and
        whether any signals or tail lines came (their types); only those events get a second look.
        """
        batch = Batch() if batch is None else batch
        events = events if isinstance(events, list | tuple) else list(events)
        apply = self.fold.apply
        for event in events:
            apply(event)
        batch.events += len(events)
        moved = {event.data.get("host_id") for event in events if event.stream.startswith("host:")}
        moved.discard(None)
        batch.hosts |= moved
        types = {event.type for event in events}
        if not types.isdisjoint(_SIGNAL_TYPES):
            batch.signals = True
            for event in events:
                if event.type == EventType.SIGNALS_OBSERVED:
                    self._observed(event)
        if not types.isdisjoint(_TAIL):
            for event in events:
                line = tail_line(event)
                if line is not None:
                    batch.lines.append(line)
                    self.tail.append(line)
        return batch

    def _observed(self, event: Event) -> None:
        self.rates.append(RatePoint(event.at, float(event.data.get("warnings_per_minute", 0.0))))
        for fingerprint, count in event.data.get("fingerprints", []):
            before = self.seen.get(fingerprint)
            peak = max(int(count), before.peak if before else 0)
            self.seen[fingerprint] = SeenFingerprint(int(count), event.at, peak)

    def threshold(self) -> float | None:
        """The rate above which the gate blocks, from the last decision or the plan; None if unknown."""
        fold = self.fold
        numbers: dict[str, Any] = fold.gate_numbers
        if "threshold_per_minute" in numbers:
            return float(numbers["threshold_per_minute"])
        if self._policy is False and fold.plan is not None:
            try:
                self._policy = gate_policy(Plan.model_validate(fold.plan))
            except ValueError:
                self._policy = None
        policy = self._policy
        if not isinstance(policy, GatePolicy) or not policy.enabled:
            return None
        return policy.threshold(float((fold.baseline or {}).get("baseline_per_minute", 0.0)))
