"""A realistic large log: many hosts through a whole rollout, with health flaps, signals, gate decisions."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rollout_tui.domain.events import EventType, NewEvent, gate_stream, host_stream, rollout_stream
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.engine.engine import SNAPSHOT_EVERY, SNAPSHOT_THIN_WITHIN
from rollout_tui.store.log import EventLog

T0 = datetime(2026, 1, 1, tzinfo=UTC)
FINGERPRINTS = [
    "node_modules allocation failed for app <id> (errno -<n>) at /srv/apps/<id>/node_modules",
    "ENOMEM: cannot allocate <n> bytes for <str> in app <id>",
    "app <id> health check failed after <n> attempts (took <n>ms)",
]


def _at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def rollout_events(hosts: int, total: int, rollout_id: str = "bench", seed: int = 1) -> Iterator[NewEvent]:
    """About `total` legal events for `hosts` old and `hosts` new hosts, in time order.

    The mix of a long rollout: discovery and boots, health flaps (unhealthy and recovered pairs), one signal
    reading and occasional gate decisions per tick, drain steps and terminations.
    """
    rng = random.Random(seed)
    rstream, gstream = rollout_stream(rollout_id), gate_stream(rollout_id)
    plan = {"name": "bench", "fleets": {"old": "blue", "new": "green", "target_size": hosts}}

    def ev(stream: str, type_: str, t: float, **data: object) -> NewEvent:
        return NewEvent(rollout_id, stream, type_, _at(t), "engine", data)

    old = [f"i-{rng.getrandbits(68):017x}" for _ in range(hosts)]
    new = [f"i-{rng.getrandbits(68):017x}" for _ in range(hosts)]
    yield ev(rstream, EventType.ROLLOUT_PLANNED, 0, plan=plan)
    yield ev(rstream, EventType.ROLLOUT_STARTED, 0)
    for h in old:
        yield ev(
            host_stream(h), EventType.HOST_DISCOVERED, 0, host_id=h, fleet="old", state="healthy", apps=40
        )
    yield ev(rstream, EventType.STAGE_CHANGED, 0, stage="boot")
    for h in new:
        yield ev(host_stream(h), EventType.HOST_BOOTED, 30, host_id=h, fleet="new", apps=0)
    for h in new:
        yield ev(host_stream(h), EventType.HOST_BECAME_HEALTHY, 90, host_id=h, apps=40)
    lifecycle = 6 * hosts + 3
    flap_pairs = max(0, (total - lifecycle) * 9 // 10 // 2)
    ticks = max(1, (total - lifecycle - 2 * flap_pairs) // 2)
    yield ev(gstream, EventType.BASELINE_MEASURED, 120, baseline_per_minute=3.0, window_seconds=600)
    yield ev(rstream, EventType.STAGE_CHANGED, 120, stage="drain")
    # drain steps spread over the ticks; flaps land on hosts still serving
    batch = max(1, hosts // max(1, ticks // 2))
    to_drain = list(old)
    gate_open = True
    flaps_per_tick = flap_pairs / ticks
    owed = 0.0
    for tick in range(ticks):
        t = 120 + 30 * tick
        rate = rng.uniform(1, 30) if tick % 50 < 45 else rng.uniform(100, 600)
        fingerprints = [[fp, rng.randint(1, 500)] for fp in FINGERPRINTS]
        yield ev(
            gstream,
            EventType.SIGNALS_OBSERVED,
            t,
            warnings_per_minute=rate,
            window_seconds=300,
            fingerprints=fingerprints,
            apps={"healthy": 8000, "corrupted": 0},
            verdict="pass" if rate < 50 else "block",
            good_streak=0,
        )
        if gate_open == (rate >= 50):
            gate_open = not gate_open
            kind = EventType.GATE_CLEARED if gate_open else EventType.GATE_BLOCKED
            yield ev(
                gstream,
                kind,
                t,
                reason=f"rate {rate:.1f}/min",
                rate_per_minute=rate,
                fingerprints=fingerprints,
            )
        owed += flaps_per_tick
        serving = new
        while owed >= 1:
            owed -= 1
            h = serving[rng.randrange(len(serving))]
            yield ev(
                host_stream(h), EventType.HOST_BECAME_UNHEALTHY, t, host_id=h, reason="health checks failing"
            )
            yield ev(host_stream(h), EventType.HOST_RECOVERED, t + 10, host_id=h, apps=40)
        if gate_open and to_drain and tick % 2 == 0:
            step, to_drain = to_drain[:batch], to_drain[batch:]
            budget = {"limit": "max_in_flight", "allowed": len(step)}
            for i, h in enumerate(step):
                yield ev(
                    host_stream(h),
                    EventType.DRAIN_STARTED,
                    t,
                    host_id=h,
                    apps=40,
                    first_of_step=i == 0,
                    step=tick,
                    batch_size=len(step),
                    budget=budget,
                )
            for h in step:
                yield ev(host_stream(h), EventType.HOST_DRAINED, t + 20, host_id=h, apps=0)
                yield ev(host_stream(h), EventType.HOST_TERMINATED, t + 25, host_id=h)
    for h in to_drain:
        yield ev(
            host_stream(h),
            EventType.DRAIN_STARTED,
            10**6,
            host_id=h,
            apps=40,
            first_of_step=False,
            step=0,
            batch_size=1,
            budget={},
        )
        yield ev(host_stream(h), EventType.HOST_DRAINED, 10**6, host_id=h, apps=0)
        yield ev(host_stream(h), EventType.HOST_TERMINATED, 10**6, host_id=h)
    if not gate_open:
        yield ev(gstream, EventType.GATE_CLEARED, 10**6, reason="end")
    yield ev(rstream, EventType.STAGE_CHANGED, 10**6, stage="done")
    yield ev(rstream, EventType.ROLLOUT_COMPLETED, 10**6, duration_seconds=10**6)


def write_log(path: Path, hosts: int, total: int, *, chunk: int = SNAPSHOT_EVERY) -> int:
    """Write the generated log to `path` through the store, with the snapshots the engine would keep.

    A snapshot every `chunk` events, placed so that the log ends `chunk - 1` events after the newest one:
    the most an engine leaves to fold (the worst case for opening it).
    """
    if path.exists():
        path.unlink()
    count = sum(1 for _ in rollout_events(hosts, total))
    first = (count - chunk + 1) % chunk or chunk
    fold = RolloutProjection()
    with EventLog(path) as log:
        buffer: list[NewEvent] = []
        size = first
        for event in rollout_events(hosts, total):
            buffer.append(event)
            if len(buffer) == size and fold.seq + size < count:
                fold.apply_all(log.append_batch(buffer))
                log.write_snapshot(
                    str(fold.rollout_id), fold.seq, fold.to_snapshot(), thin_within=SNAPSHOT_THIN_WITHIN
                )
                buffer, size = [], chunk
        fold.apply_all(log.append_batch(buffer))
        return log.last_seq()
