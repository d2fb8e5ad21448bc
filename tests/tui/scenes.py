"""Deterministic logs for TUI tests: a rollout normal, blocked or held, written event by event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rollout_tui.domain.events import (
    EventType,
    NewEvent,
    gate_stream,
    host_stream,
    rollout_stream,
)
from rollout_tui.engine.plan import Plan
from rollout_tui.store.log import EventLog
from tests.engine.fakes import make_plan

RID = "demo-r1"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
RECORDED = "2026-01-01T00:00:00.000Z"
FINGERPRINT = "node_modules allocation failed for app <id>"


def at(minute: float) -> str:
    return (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")


class Scene:
    """Appends a legal rollout, one event time after another, to a log file."""

    def __init__(self, path: Path, plan: Plan | None = None, old: int = 12) -> None:
        self.log = EventLog(path, clock=lambda: RECORDED)
        self.plan = plan or make_plan(target=old, max_in_flight=4, per_minute=4)
        self.old = [f"i-old{i:04d}" for i in range(old)]
        self.new = [f"i-new{i:04d}" for i in range(old)]

    def add(self, minute: float, stream: str, type_: str, **data: Any) -> None:
        self.log.append_batch([NewEvent(RID, stream, type_, at(minute), "engine", data)])

    def rollout(self, minute: float, type_: str, **data: Any) -> None:
        self.add(minute, rollout_stream(RID), type_, **data)

    def gate(self, minute: float, type_: str, **data: Any) -> None:
        self.add(minute, gate_stream(RID), type_, **data)

    def host(self, minute: float, type_: str, host_id: str, **data: Any) -> None:
        self.add(minute, host_stream(host_id), type_, host_id=host_id, **data)

    def hosts(self, minute: float, type_: str, ids: list[str], **data: Any) -> None:
        """Many host events in one append, as the engine records a tick."""
        self.log.append_batch(
            [NewEvent(RID, host_stream(h), type_, at(minute), "engine", {"host_id": h, **data}) for h in ids]
        )

    def signals(self, minute: float, rate: float, corrupted: int = 0, fingerprints: int = 0) -> None:
        prints = (
            [[FINGERPRINT, fingerprints], ["disk usage is getting tight on <host>", 3]]
            if fingerprints
            else []
        )
        self.gate(
            minute,
            EventType.SIGNALS_OBSERVED,
            warnings_per_minute=rate,
            warnings=int(rate * 2),
            window_seconds=120,
            apps={"healthy": 120 - corrupted, "corrupted": corrupted},
            fingerprints=prints,
            verdict="pass",
            good_streak=0,
        )

    def gate_numbers(self, rate: float, corrupted: int = 0) -> dict[str, Any]:
        return {
            "rate_per_minute": rate,
            "baseline_per_minute": 2.0,
            "threshold_per_minute": 10.0,
            "floor_per_minute": 10.0,
            "multiple": 3.0,
            "window_seconds": 120,
            "app_ratio": (120 - corrupted) / 120,
            "min_healthy_app_ratio": 0.99,
            "alarms": [],
            "fingerprints": [[FINGERPRINT, 1204], ["disk usage is getting tight on <host>", 3]],
        }

    def close(self) -> None:
        self.log.close()


def normal(path: Path) -> Scene:
    """Draining: the new fleet healthy, 4 old hosts retired, 4 draining, warnings calm."""
    s = Scene(path)
    s.rollout(0, EventType.ROLLOUT_PLANNED, plan=s.plan.as_data(), provider={"provider": "fake"})
    s.rollout(0, EventType.ROLLOUT_STARTED)
    s.hosts(0, EventType.HOST_DISCOVERED, s.old, fleet="old", state="healthy", apps=10)
    s.rollout(0, EventType.STAGE_CHANGED, stage="boot")
    s.rollout(0, EventType.BOOT_REQUESTED, count=len(s.new), desired=len(s.new))
    s.hosts(0.5, EventType.HOST_BOOTED, s.new, fleet="new", apps=0)
    s.hosts(2, EventType.HOST_BECAME_HEALTHY, s.new, apps=0)
    s.rollout(2, EventType.STAGE_CHANGED, stage="wait_healthy")
    for i in range(6):
        s.signals(2 + i, 2.0 + (i % 3) * 0.5)
    s.gate(7, EventType.BASELINE_MEASURED, baseline_per_minute=2.0, window_seconds=300)
    s.rollout(7, EventType.STAGE_CHANGED, stage="drain")
    budget = {"limit": "max_in_flight", "value": 4}
    s.hosts(8, EventType.DRAIN_STARTED, s.old[:4], first_of_step=False, step=1, batch_size=4, budget=budget)
    s.hosts(9, EventType.HOST_DRAINED, s.old[:4], apps=0)
    s.hosts(9.5, EventType.HOST_TERMINATED, s.old[:4])
    s.hosts(10, EventType.DRAIN_STARTED, s.old[4:8], first_of_step=False, step=2, batch_size=4, budget=budget)
    for i in range(4):
        s.signals(8 + i, 3.0 + i, fingerprints=2 + i)
    return s


def blocked(path: Path) -> Scene:
    """Draining when warnings spike: the gate blocks with its numbers."""
    s = normal(path)
    for i, rate in enumerate((14.0, 31.0, 42.0)):
        s.signals(12 + i, rate, corrupted=i, fingerprints=400 * (i + 1))
    s.gate(14, EventType.GATE_BLOCKED, reason=_reason(42.0), **s.gate_numbers(42.0, 2))
    return s


def held(path: Path) -> Scene:
    """Blocked long enough (or apps corrupted enough) that the gate holds for an operator."""
    s = blocked(path)
    s.signals(15, 40.0, corrupted=4, fingerprints=1204)
    s.gate(
        15,
        EventType.GATE_HELD,
        reason="healthy apps 96.67% < 99.00% (4 corrupted)",
        **s.gate_numbers(40.0, 4),
    )
    return s


def _reason(rate: float) -> str:
    return (
        f"warnings {rate:.1f}/min > threshold 10.0/min (max of floor 10/min and 3x baseline 2.0/min, "
        "over 120s)"
    )
