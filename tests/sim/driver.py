"""A small rollout loop straight on the Protocol, to calibrate the simulator without the engine.

It boots the new fleet at a steady pace, replaces hosts that never become healthy, then drains the old fleet
under an in-flight and per-minute budget (optionally the engine's surge limit: apps moved in the last
minute plus the next drains' apps, per remaining healthy host), terminating drained
hosts, one tick at a time on a simulated clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollout_tui.providers.base import HostFact, Lifecycle, SimulatedClock
from rollout_tui.providers.sim import SimProvider, build, start_time


@dataclass(frozen=True)
class DriveResult:
    """What a driven rollout came to."""

    corrupted: int
    """Apps corrupted at the end."""
    apps_healthy: int
    """Apps healthy at the end."""
    seconds: float
    """Simulated seconds from start to the last old host terminated."""
    drain_seconds: float
    """Simulated seconds of the drain phase alone."""
    peak_warnings_per_minute: float
    """Highest warning rate over a 5-minute window seen at any tick."""
    throttles: int
    """Throttle incidents reported."""
    alerts: list[tuple[str, int]] = field(repr=False)
    """Every raw alert of the run, with counts."""


def _live(hosts: list[HostFact], fleet: str) -> list[HostFact]:
    return [h for h in hosts if h.fleet == fleet and h.lifecycle is not Lifecycle.TERMINATED]


def drive(
    settings: dict[str, Any],
    *,
    max_in_flight: int,
    drains_per_minute: int,
    boots_per_minute: int = 20,
    target: int | None = None,
    surge_per_host_per_minute: float | None = None,
    tick_seconds: float = 30.0,
    health_timeout_seconds: float = 900.0,
) -> DriveResult:
    """Roll the old fleet over to a new one of `target` hosts (default: the old fleet's size)."""
    clock = SimulatedClock(start_time(settings))
    provider: SimProvider = build(settings, old="old", new="new", clock=clock)
    began = clock.now()
    size = target or provider.settings.old_size
    first_unhealthy: dict[str, datetime] = {}
    peak, throttles = 0.0, 0
    tick = timedelta(seconds=tick_seconds)

    def observe() -> None:
        nonlocal peak, throttles
        now = clock.now()
        signals = provider.read_signals(now - timedelta(minutes=5), now)
        peak = max(peak, signals.warnings / 5.0)
        throttles += len(provider.take_incidents())

    while True:
        observe()
        new = _live(provider.list_hosts(), "new")
        if sum(h.healthy for h in new) >= size:
            break
        for host in new:
            if host.lifecycle is Lifecycle.IN_SERVICE and not host.healthy:
                seen = first_unhealthy.setdefault(host.host_id, clock.now())
                if clock.now() - seen >= timedelta(seconds=health_timeout_seconds):
                    provider.terminate(host.host_id)
        live = len(_live(provider.list_hosts(), "new"))
        provider.scale_new_fleet(min(size, live + max(1, int(boots_per_minute * tick_seconds / 60))))
        clock.sleep(tick_seconds)

    drain_began = clock.now()
    started: deque[tuple[datetime, int]] = deque()
    while True:
        observe()
        hosts = provider.list_hosts()
        old = _live(hosts, "old")
        for host in old:
            if host.lifecycle is Lifecycle.DRAINED:
                provider.terminate(host.host_id)
        old = [h for h in old if h.lifecycle is not Lifecycle.DRAINED]
        if not old:
            break
        now = clock.now()
        while started and started[0][0] <= now - timedelta(minutes=1):
            started.popleft()
        draining = sum(h.lifecycle is Lifecycle.DRAINING for h in old)
        candidates = [h for h in old if h.lifecycle is Lifecycle.IN_SERVICE]
        allowed = min(max_in_flight - draining, drains_per_minute - len(started), len(candidates))
        if surge_per_host_per_minute is not None:
            healthy = sum(h.healthy and h.lifecycle is Lifecycle.IN_SERVICE for h in hosts)
            moved, fits = sum(apps for _, apps in started), 0
            for host in candidates[: max(0, allowed)]:
                moved += host.apps or 0
                if moved / max(1, healthy - fits - 1) > surge_per_host_per_minute:
                    break
                fits += 1
            allowed = min(allowed, fits)
        for host in candidates[: max(0, allowed)]:
            provider.drain(host.host_id)
            started.append((now, host.apps or 0))
        clock.sleep(tick_seconds)

    end = clock.now()
    final = provider.read_signals(end - tick, end)
    everything = provider.read_signals(began - timedelta(days=1), end)
    return DriveResult(
        corrupted=final.apps_corrupted or 0,
        apps_healthy=final.apps_healthy or 0,
        seconds=(end - began).total_seconds(),
        drain_seconds=(end - drain_began).total_seconds(),
        peak_warnings_per_minute=peak,
        throttles=throttles,
        alerts=list(everything.alerts),
    )
