"""Builders of legal event sequences for tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from rollout_tui.domain.events import EventType, NewEvent, gate_stream, host_stream, rollout_stream
from rollout_tui.domain.host import HOST_MACHINE, TRIGGER_OF_EVENT, HostState

EVENT_OF_TRIGGER = {trigger: event for event, trigger in TRIGGER_OF_EVENT.items()}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(minute: float) -> str:
    return (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")


def planned(rollout_id: str = "r1", minute: float = 0) -> list[NewEvent]:
    """A rollout planned and started."""
    stream = rollout_stream(rollout_id)
    return [
        NewEvent(
            rollout_id, stream, EventType.ROLLOUT_PLANNED, at(minute), "engine", {"plan": {"name": "t"}}
        ),
        NewEvent(rollout_id, stream, EventType.ROLLOUT_STARTED, at(minute), "engine", {}),
    ]


def host_event(rollout_id: str, type_: str, host_id: str, minute: float, **data: object) -> NewEvent:
    return NewEvent(
        rollout_id, host_stream(host_id), type_, at(minute), "engine", {"host_id": host_id, **data}
    )


def random_legal_events(seed: int, hosts: int, steps: int, rollout_id: str = "r1") -> Iterator[NewEvent]:
    """A random walk of legal events over both fleets, with gate and signal events mixed in."""
    rng = random.Random(seed)
    yield from planned(rollout_id)
    states: dict[str, str] = {}
    for i in range(hosts):
        host_id = f"i-{i:05x}"
        if i % 2:
            states[host_id] = HostState.HEALTHY
            yield host_event(rollout_id, EventType.HOST_DISCOVERED, host_id, 0, fleet="old", apps=10)
        else:
            states[host_id] = HostState.BOOTING
            yield host_event(rollout_id, EventType.HOST_BOOTED, host_id, 0, fleet="new")
    gate_open = True
    for step in range(steps):
        minute = 1 + step / 10
        roll = rng.random()
        if roll < 0.1:
            rate = rng.uniform(0, 50)
            yield NewEvent(
                rollout_id,
                gate_stream(rollout_id),
                EventType.SIGNALS_OBSERVED,
                at(minute),
                "engine",
                {
                    "warnings_per_minute": rate,
                    "apps": {"healthy": rng.randint(0, 99), "corrupted": rng.randint(0, 9)},
                    "fingerprints": [["disk usage is getting tight on <host>", rng.randint(1, 9)]],
                },
            )
            continue
        if roll < 0.15:
            type_ = EventType.GATE_BLOCKED if gate_open else EventType.GATE_CLEARED
            gate_open = not gate_open
            yield NewEvent(
                rollout_id, gate_stream(rollout_id), type_, at(minute), "engine", {"reason": f"step {step}"}
            )
            continue
        host_id = rng.choice(list(states))
        legal = [name for name, ev in HOST_MACHINE.events.items() if states[host_id] in ev.transitions]
        if not legal:
            continue
        trigger = rng.choice(legal)
        states[host_id] = HOST_MACHINE.events[trigger].transitions[states[host_id]][0].dest
        yield host_event(rollout_id, EVENT_OF_TRIGGER[trigger], host_id, minute)


def run_builtin_plan(name: str, path: str, rollout_id: str) -> None:
    """Run a built-in plan to the end into the log at `path`, with a fixed rollout id and engine name."""
    from rollout_tui.engine.plan import load_plan
    from rollout_tui.engine.session import start_rollout
    from rollout_tui.store.log import EventLog

    with EventLog(path) as log:
        start_rollout(load_plan(name), log, holder="test-engine@ci:1", rollout_id=rollout_id).run()
