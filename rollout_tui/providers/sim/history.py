"""What each simulated step measured, kept in a ring so any recent window can be read back."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class StepRecord:
    """The signals of one step."""

    index: int
    """Step number since the simulation's origin."""
    warnings: int = 0
    """App warnings emitted during the step."""
    messages: list[tuple[str, int]] = field(default_factory=list)
    """Raw warning messages with counts (they sum to `warnings`)."""
    alerts: list[tuple[str, int]] = field(default_factory=list)
    """Monitor alerts sent during the step."""
    apps_healthy: int = 0
    """Healthy apps at the end of the step."""
    apps_corrupted: int = 0
    """Corrupted apps at the end of the step."""


@dataclass(frozen=True, slots=True)
class WindowTotals:
    """Signals summed over a run of steps."""

    warnings: int
    """App warnings."""
    messages: list[tuple[str, int]]
    """Raw warning messages with counts, most frequent first."""
    alerts: list[tuple[str, int]]
    """Alerts with counts, most frequent first."""
    last: StepRecord | None
    """The last step of the window (for app health), if the window holds any."""


class History:
    """The last `capacity` step records, addressable by step number."""

    def __init__(self, capacity: int) -> None:
        self._records: deque[StepRecord] = deque(maxlen=capacity)

    def append(self, record: StepRecord) -> None:
        """Keep a finished step (the oldest falls off when full)."""
        self._records.append(record)

    @property
    def last(self) -> StepRecord | None:
        """The most recent step, if any."""
        return self._records[-1] if self._records else None

    def window(self, first: int, stop: int) -> WindowTotals:
        """Totals over steps `first` up to (not including) `stop`, clipped to the steps still kept."""
        records = self._records
        if not records:
            return WindowTotals(0, [], [], None)
        oldest = records[0].index
        lo, hi = max(first, oldest) - oldest, min(stop, records[-1].index + 1) - oldest
        warnings = 0
        messages: Counter[str] = Counter()
        alerts: Counter[str] = Counter()
        last: StepRecord | None = None
        for offset in range(lo, hi):
            last = records[offset]
            warnings += last.warnings
            for text, count in last.messages:
                messages[text] += count
            for text, count in last.alerts:
                alerts[text] += count
        return WindowTotals(warnings, messages.most_common(), alerts.most_common(), last)
