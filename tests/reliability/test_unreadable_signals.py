"""Signals that cannot be read keep the gate closed for as long as they stay unreadable (fail closed), and
it opens again only after the plan's run of good readings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollout_tui.domain.events import EventType
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.providers import build_provider
from rollout_tui.providers.base import SignalsUnreadableError, SimulatedClock
from rollout_tui.store.log import EventLog
from rollout_tui.store.verify import verify

OUTAGE_TICKS = 40
"""Ticks of unreadable signals: 20 simulated minutes, shorter than the plan's `hold_after_seconds`."""


class BlindProvider:
    """The simulator, except that its signals cannot be read while `blind` is set."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.blind = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read_signals(self, start: datetime, end: datetime) -> Any:
        if self.blind:
            raise SignalsUnreadableError("GetMetricData", "metrics endpoint unreachable")
        return self.inner.read_signals(start, end)


def test_unreadable_signals_keep_the_gate_closed_until_good_readings_clear_it() -> None:
    plan = load_plan("outage-guarded")
    clock = SimulatedClock(datetime.fromisoformat("2026-01-01T00:00:00+00:00"))
    sim = build_provider(
        "sim", plan.provider.settings(), old=plan.fleets.old, new=plan.fleets.new, clock=clock
    )
    provider = BlindProvider(sim)
    with EventLog(":memory:") as log:
        engine = start_rollout(plan, log, clock=clock, provider=provider, holder="t", rollout_id="r")
        engine.lease.acquire("2026-01-01T00:00:00Z")
        engine.begin()

        def tick() -> None:
            engine.tick()
            clock.sleep(plan.engine.tick_seconds)

        while engine.projection.counts["old"]["terminated"] < 20:
            tick()
        assert engine.projection.gate_state == "open"
        provider.blind = True
        blind_from = log.last_seq()
        for _ in range(OUTAGE_TICKS):
            tick()
            assert engine.projection.gate_state in ("blocked", "hold"), "the gate opened without signals"
        blind_until = log.last_seq()
        provider.blind = False
        for _ in range(plan.gate.clear_after - 1):
            tick()
            assert engine.projection.gate_state != "open", "cleared before enough good readings"
        while not engine.finished:
            tick()
            if engine.projection.gate_state == "hold":
                break
        events = list(log.read())
        assert verify(log).ok

    during = [e for e in events if blind_from < e.seq <= blind_until]
    assert sum(e.type == EventType.SIGNALS_UNREADABLE for e in during) == OUTAGE_TICKS
    assert not [e for e in during if e.type == EventType.DRAIN_STARTED], "drained while blind"
    assert any(e.type == EventType.GATE_BLOCKED and "unreadable" in e.data["reason"] for e in during)
    cleared = [e for e in events if e.seq > blind_until and e.type == EventType.GATE_CLEARED]
    first_drain = next(e.seq for e in events if e.seq > blind_until and e.type == EventType.DRAIN_STARTED)
    assert cleared and cleared[0].seq < first_drain, "drains resumed before the gate cleared"
    good = [
        e for e in events if blind_until < e.seq < cleared[0].seq and e.type == EventType.SIGNALS_OBSERVED
    ]
    assert len(good) >= plan.gate.clear_after
    assert verify_ok(events)


def verify_ok(events: list[Any]) -> bool:
    with EventLog(":memory:") as log:
        from rollout_tui.domain.events import NewEvent

        log.append_batch(
            [
                NewEvent(e.rollout_id, e.stream, e.type, e.at, e.actor, e.data, version=e.version)
                for e in events
            ]
        )
        return verify(log).ok
