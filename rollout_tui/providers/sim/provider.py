"""The simulator behind the `Provider` Protocol: lazily advanced to the clock on every call.

The simulated world moves in fixed steps of `step_seconds`; each call first runs every step that ends at or
before `clock.now()`, then acts. Headless on a `SimulatedClock(speed=0)` that is as fast as the CPU allows;
under the TUI a `SimulatedClock(speed=60)` shows a minute per second.

Throttling: `scale_new_fleet` asking for more launches than the DNS API allows this minute launches what the
limit allows, remembers the rest (as an Auto Scaling group remembers its desired capacity) to launch as the
limit frees up, and records an `Incident(kind=THROTTLED)` for `take_incidents`; it never raises for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from rollout_tui.providers.base import (
    Clock,
    Decision,
    HostFact,
    Incident,
    IncidentKind,
    ProviderError,
    Signals,
    iso,
)
from rollout_tui.providers.sim.host import SimHost
from rollout_tui.providers.sim.listing import Listing
from rollout_tui.providers.sim.settings import SimSettings
from rollout_tui.providers.sim.world import World


class SimProvider:
    """A deterministic, seeded simulation of the two fleets, their apps, warnings and alerts."""

    name = "sim"
    """Recorded as the actor `provider:sim`."""

    def __init__(self, settings: SimSettings, *, old: str, new: str, clock: Clock) -> None:
        self.settings = settings
        """The validated settings."""
        self.old = old
        """The old fleet's name (from the plan)."""
        self.new = new
        """The new fleet's name (from the plan)."""
        self.world = World(settings)
        """The simulation itself."""
        self._clock = clock
        self._step = timedelta(seconds=settings.step_seconds)
        self.origin = settings.start - timedelta(seconds=settings.warmup_seconds)
        """Simulated time of step 0: `warmup_seconds` before the scenario's start."""
        self._incidents: list[Incident] = []
        self._listing = Listing()
        self._advance(settings.start)  # the warm-up only: `restore` may still replay decisions from here

    # -- time ----------------------------------------------------------------------------------------

    def _steps_until(self, moment: datetime, *, ceil: bool) -> int:
        steps = (moment - self.origin) / self._step
        return math.ceil(steps - 1e-9) if ceil else math.floor(steps + 1e-9)

    def _advance(self, until: datetime | None = None) -> None:
        target = self._steps_until(until or self._clock.now(), ceil=False)
        world = self.world
        while world.index < target:
            world.step()

    def _host(self, operation: str, host_id: str) -> SimHost:
        host = self.world.hosts.get(host_id)
        if host is None:
            raise ProviderError(operation, f"no such host {host_id}", retryable=False)
        return host

    # -- the Protocol --------------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """The scenario, seed and fleet names."""
        s = self.settings
        return {
            "provider": "sim",
            "scenario": s.scenario,
            "seed": s.seed,
            "old": self.old,
            "new": self.new,
            "old_size": s.old_size,
            "apps_per_host": s.apps_per_host,
            "start": iso(s.start),
        }

    def list_hosts(self) -> list[HostFact]:
        """Every listed host of both fleets (terminated ones for `terminated_visible_seconds`)."""
        self._advance()
        return self._listing.facts(self.world)

    def scale_new_fleet(self, desired: int) -> None:
        """Ask for `desired` new hosts in total; beyond the API limit, launch later and report a throttle."""
        if desired < 0:
            raise ProviderError("scale_new_fleet", f"desired {desired} is negative", retryable=False)
        self._advance()
        wanted, launched = self.world.set_desired_new(desired)
        if launched < wanted:
            limit = self.settings.boot_api_limit_per_minute
            self._incidents.append(
                Incident(
                    IncidentKind.THROTTLED,
                    "scale_new_fleet",
                    f"DNS API rate limit ({limit}/min): launched {launched} of {wanted}, "
                    f"{wanted - launched} deferred",
                    self._clock.now(),
                    {
                        "requested": wanted,
                        "launched": launched,
                        "deferred": wanted - launched,
                        "limit": limit,
                    },
                )
            )

    def drain(self, host_id: str) -> None:
        """Start moving the host's apps onto the in-service healthy hosts of both fleets."""
        self._advance()
        self.world.drain(self._host("drain", host_id))

    def terminate(self, host_id: str) -> None:
        """Terminate the host (its apps, if any, move at once); a host already gone is left alone."""
        self._advance()
        host = self.world.hosts.get(host_id)
        if host is not None:
            self.world.terminate(host)

    def read_signals(self, start: datetime, end: datetime) -> Signals:
        """Warnings, raw messages and alerts of the steps starting in [start, end), and app health at its end.

        Only finished steps count; a window reaching past the kept history is clipped to it.
        """
        self._advance()
        world = self.world
        totals = world.history.window(self._steps_until(start, ceil=True), self._steps_until(end, ceil=True))
        corrupted = totals.last.apps_corrupted if totals.last else len(world.corrupted)
        return Signals(
            start=start,
            end=end,
            warnings=totals.warnings,
            messages=totals.messages,
            alerts=totals.alerts,
            apps_healthy=world.total_apps - corrupted,
            apps_corrupted=corrupted,
        )

    def take_incidents(self) -> list[Incident]:
        """Throttles since the last call, oldest first."""
        self._advance()
        taken, self._incidents = self._incidents, []
        return taken

    def restore(self, decisions: Sequence[Decision]) -> None:
        """Rebuild the world after a restart: the same seed and the recorded decisions at their times give
        the same hosts, apps and warnings the crashed engine's simulator had. Throttles met on the way were
        recorded the first time, so they are dropped."""
        world = self.world
        for decision in decisions:
            self._advance(decision.at)
            if decision.action == "scale_new_fleet":
                world.set_desired_new(int(decision.argument))
            elif decision.action == "drain":
                host = world.hosts.get(str(decision.argument))
                if host is not None:
                    world.drain(host)
            elif decision.action == "terminate":
                host = world.hosts.get(str(decision.argument))
                if host is not None:
                    world.terminate(host)
        self._advance()
        self._incidents.clear()

    def close(self) -> None:
        """Nothing to release."""
