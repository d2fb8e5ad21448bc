"""A small deterministic in-memory provider for engine tests: our own Protocol, not a library's double."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from rollout_tui.engine.plan import Plan, parse_plan
from rollout_tui.providers.base import (
    Clock,
    HostFact,
    Incident,
    Lifecycle,
    ProviderError,
    Signals,
    SignalsUnreadableError,
    SimulatedClock,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeHost:
    host_id: str
    fleet: str
    lifecycle: Lifecycle
    since: datetime
    apps: int
    healthy: bool = True
    boot_seconds: float = 60
    drain_seconds: float = 60
    changed: dict[str, None] = field(default_factory=dict, compare=False, repr=False)
    """The provider's hosts changed since it last listed them: any change adds this one (tests change
    hosts directly too)."""

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if "changed" in self.__dict__:
            self.changed[self.host_id] = None

    def fact(self) -> HostFact:
        """The host as a provider lists it."""
        healthy = self.healthy and self.lifecycle is Lifecycle.IN_SERVICE
        return HostFact(self.host_id, self.fleet, self.lifecycle, healthy, self.apps)


@dataclass
class FakeProvider:
    clock: Clock
    old_size: int = 6
    apps_per_host: int = 10
    boot_seconds: tuple[float, float] = (60, 60)
    drain_seconds: tuple[float, float] = (60, 60)
    seed: int = 0
    warning_rate: Callable[[datetime], float] = lambda _t: 1.0
    """Warnings per minute at a moment."""
    unreadable: bool = False
    fail_next: list[ProviderError] = field(default_factory=list)
    flaky_health: float = 0.0
    name: str = "fake"
    hosts: dict[str, FakeHost] = field(default_factory=dict)
    drain_calls: Counter[str] = field(default_factory=Counter)
    scale_calls: list[int] = field(default_factory=list)
    terminate_calls: Counter[str] = field(default_factory=Counter)
    incidents: list[Incident] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._changed: dict[str, None] = {}
        self._listing: list[HostFact] = []
        self._places: dict[str, int] = {}
        self._moving: dict[str, None] = {}
        """Hosts booting or draining: the only ones that move by themselves."""
        for _ in range(self.old_size):
            self._add(FakeHost(self._new_id(), "old", Lifecycle.IN_SERVICE, T0, self.apps_per_host))

    def _add(self, host: FakeHost) -> None:
        host.changed = self._changed
        self.hosts[host.host_id] = host

    def _new_id(self) -> str:
        return f"i-{self.rng.getrandbits(68):017x}"

    def _maybe_fail(self, operation: str) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)

    def _track(self, host_id: str) -> None:
        if self.hosts[host_id].lifecycle in (Lifecycle.PENDING, Lifecycle.DRAINING):
            self._moving[host_id] = None
        else:
            self._moving.pop(host_id, None)

    def _advance(self) -> None:
        """Move booting and draining hosts whose time has come (and flap health, if asked to)."""
        now = self.clock.now()
        for host_id in self._changed:
            self._track(host_id)
        moving = self.hosts.values() if self.flaky_health else [self.hosts[h] for h in self._moving]
        for host in moving:
            lifecycle = host.lifecycle
            if lifecycle is Lifecycle.PENDING and (now - host.since).total_seconds() >= host.boot_seconds:
                host.lifecycle, host.since = Lifecycle.IN_SERVICE, now
            elif lifecycle is Lifecycle.DRAINING and (now - host.since).total_seconds() >= host.drain_seconds:
                host.lifecycle, host.since, host.apps = Lifecycle.DRAINED, now, 0
            if self.flaky_health and host.lifecycle is Lifecycle.IN_SERVICE:
                healthy = self.rng.random() >= self.flaky_health
                if healthy != host.healthy:
                    host.healthy = healthy

    def describe(self) -> dict[str, Any]:
        return {"provider": "fake", "old_size": self.old_size}

    def list_hosts(self) -> list[HostFact]:
        """Every host, in the order they were made; only hosts changed since the last listing are listed
        afresh (as the simulator lists them)."""
        self._maybe_fail("list_hosts")
        self._advance()
        listing, places = self._listing, self._places
        for host_id in self._changed:
            self._track(host_id)
            fact = self.hosts[host_id].fact()
            place = places.setdefault(host_id, len(listing))
            if place == len(listing):
                listing.append(fact)
            else:
                listing[place] = fact
        self._changed.clear()
        return list(listing)

    def scale_new_fleet(self, desired: int) -> None:
        self._maybe_fail("scale_new_fleet")
        self.scale_calls.append(desired)
        live = [
            h for h in self.hosts.values() if h.fleet == "new" and h.lifecycle is not Lifecycle.TERMINATED
        ]
        for _ in range(desired - len(live)):
            host_id = self._new_id()
            self._add(
                FakeHost(
                    host_id,
                    "new",
                    Lifecycle.PENDING,
                    self.clock.now(),
                    self.apps_per_host,
                    boot_seconds=self.rng.uniform(*self.boot_seconds),
                )
            )

    def vanish(self, host_id: str) -> None:
        """Stop listing a host at all, as a cloud does some time after it is gone."""
        del self.hosts[host_id]
        self._changed.pop(host_id, None)
        self._moving.pop(host_id, None)
        self._listing = [fact for fact in self._listing if fact.host_id != host_id]
        self._places = {fact.host_id: place for place, fact in enumerate(self._listing)}

    def drain(self, host_id: str) -> None:
        self._maybe_fail("drain")
        self.drain_calls[host_id] += 1
        host = self.hosts.get(host_id)
        if host is None:
            raise ProviderError("drain", f"no such host {host_id}", retryable=False)
        if host.lifecycle is Lifecycle.IN_SERVICE:
            host.lifecycle, host.since = Lifecycle.DRAINING, self.clock.now()
            host.drain_seconds = self.rng.uniform(*self.drain_seconds)

    def terminate(self, host_id: str) -> None:
        self._maybe_fail("terminate")
        self.terminate_calls[host_id] += 1
        if host_id in self.hosts:  # a host already gone is left alone, as the simulator does
            self.hosts[host_id].lifecycle = Lifecycle.TERMINATED

    def read_signals(self, start: datetime, end: datetime) -> Signals:
        if self.unreadable:
            raise SignalsUnreadableError("GetMetricData", "metric unavailable")
        minutes = (end - start).total_seconds() / 60
        rate = self.warning_rate(end)
        count = round(rate * minutes)
        messages = [(f"node_modules allocation failed for app app-{i}", 1) for i in range(count)]
        return Signals(start, end, count, messages)

    def take_incidents(self) -> list[Incident]:
        taken, self.incidents = self.incidents, []
        return taken

    def close(self) -> None:
        pass


PLAN_TOML = """
name = "fake"
[provider]
kind = "sim"
[fleets]
old = "blue"
new = "green"
target_size = {target}
[boot]
batch = {boot_batch}
per_minute = {boot_per_minute}
health_timeout_seconds = 600
[drain]
max_in_flight = {max_in_flight}
per_minute = {per_minute}
min_healthy = {min_healthy}
timeout_seconds = 900
[gate]
enabled = {gate}
window_seconds = 120
baseline_seconds = 300
floor_per_minute = 10
multiple = 3
clear_after = 3
hold_after_seconds = 3600
[engine]
tick_seconds = 30
mode = "{mode}"
"""


def make_plan(
    *,
    target: int = 6,
    boot_batch: int = 3,
    boot_per_minute: int = 6,
    max_in_flight: int | str = 2,
    per_minute: int = 2,
    min_healthy: int | str = "100%",
    gate: bool = True,
    mode: str = "auto",
) -> Plan:
    def toml(value: object) -> str:
        return f'"{value}"' if isinstance(value, str) else str(value).lower()

    text = PLAN_TOML.format(
        target=target,
        boot_batch=boot_batch,
        boot_per_minute=boot_per_minute,
        max_in_flight=toml(max_in_flight),
        per_minute=per_minute,
        min_healthy=toml(min_healthy),
        gate=toml(gate),
        mode=mode,
    )
    return parse_plan(text, "test plan")


def sim_clock() -> SimulatedClock:
    return SimulatedClock(T0)


class WallClock:
    """A wall clock for leases that tests move by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
