"""Check a log end to end: gap-free seq, contiguous stream versions, JSON payloads, legal transitions."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from rollout_tui.domain.events import Event
from rollout_tui.domain.projection import ReplayError, RolloutProjection
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import bulk_fold


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a log, at a seq."""

    seq: int
    """The first seq where it shows."""
    message: str
    """What is wrong."""

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.message}"


@dataclass(slots=True)
class Report:
    """The outcome of `verify`."""

    events: int = 0
    """Rows read."""
    rollouts: int = 0
    """Rollouts replayed."""
    problems: list[Problem] = field(default_factory=list)
    """What is wrong, in seq order; empty for a good log."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Unknown event types kept but not understood, by type."""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(log: EventLog, *, max_problems: int = 20) -> Report:
    """Read every row of `log` once and report what breaks its promises."""
    with bulk_fold():
        return _verify(log, max_problems)


def _verify(log: EventLog, max_problems: int) -> Report:
    report = Report()
    expected_seq = 1
    versions: dict[str, int] = {}
    folds: dict[str, RolloutProjection] = {}
    broken: set[str] = set()
    for row in log.raw_rows():
        report.events += 1
        seq, rollout_id, stream, version, type_, at, recorded_at, actor, data = row
        problems: list[str] = []
        if seq != expected_seq:
            problems.append(f"seq jumps from {expected_seq - 1} to {seq}")
        expected_seq = int(seq) + 1  # type: ignore[call-overload]
        want = versions.get(str(stream), 0) + 1
        if version != want:
            problems.append(f"stream {stream} has version {version} where {want} was due")
        versions[str(stream)] = int(version)  # type: ignore[call-overload]
        try:
            payload = json.loads(data)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            payload = None
        if not isinstance(payload, dict):
            problems.append("data is not a JSON object")
        elif str(rollout_id) not in broken:
            fold = folds.setdefault(str(rollout_id), RolloutProjection(str(rollout_id)))
            event = Event(
                int(seq),  # type: ignore[call-overload]
                str(rollout_id),
                str(stream),
                int(version),  # type: ignore[call-overload]
                str(type_),
                str(at),
                str(recorded_at),
                str(actor),
                payload,
            )
            try:
                fold.apply(event)
            except ReplayError as err:
                problems.append(err.detail)
                broken.add(str(rollout_id))
        for message in problems:
            report.problems.append(Problem(int(seq), message))  # type: ignore[call-overload]
        if len(report.problems) >= max_problems:
            break
    report.rollouts = len(folds)
    for fold in folds.values():
        for type_name, count in fold.skipped.items():
            report.skipped[type_name] = report.skipped.get(type_name, 0) + count
    return report
