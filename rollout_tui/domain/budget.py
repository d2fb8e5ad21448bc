"""The drain budget: how many old hosts may start draining now. The tightest limit wins and is named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BudgetPolicy:
    """The plan's `[drain]` resolved to host counts."""

    max_in_flight: int
    """Hosts draining at once."""
    per_minute: int
    """Drains started per minute."""
    min_healthy: int
    """Healthy hosts (both fleets) never to go below."""
    surge_per_host_per_minute: float | None
    """App starts each remaining healthy host may absorb per minute; None: no limit."""


@dataclass(frozen=True, slots=True)
class FleetLoad:
    """What the budget needs to know about the fleets right now."""

    draining: int
    """Hosts draining now."""
    started_last_minute: int
    """Drains started in the last 60 s."""
    apps_moved_last_minute: int
    """Apps on the hosts whose drains started in the last 60 s."""
    healthy: int
    """Healthy hosts across both fleets."""
    candidate_apps: Sequence[int | None]
    """Apps on each old host waiting to drain, in drain order."""


@dataclass(frozen=True, slots=True)
class Allowance:
    """How many drains may start, and why not more."""

    allowed: int
    """Drains that may start now."""
    limit: str
    """The tightest limit: `max_in_flight`, `per_minute`, `min_healthy`, `surge` or `remaining`."""
    limits: dict[str, int]
    """Every limit's own allowance."""

    def as_data(self, policy: BudgetPolicy) -> dict[str, object]:
        """The budget in force, as recorded with a drain or a refusal."""
        return {
            "allowed": self.allowed,
            "limit": self.limit,
            "limits": dict(self.limits),
            "policy": {
                "max_in_flight": policy.max_in_flight,
                "per_minute": policy.per_minute,
                "min_healthy": policy.min_healthy,
                "surge_per_host_per_minute": policy.surge_per_host_per_minute,
            },
        }


def _surge_allowance(policy: BudgetPolicy, load: FleetLoad) -> int:
    if policy.surge_per_host_per_minute is None:
        return len(load.candidate_apps)
    moved = load.apps_moved_last_minute
    allowed = 0
    for apps in load.candidate_apps:
        remaining = load.healthy - allowed - 1
        if remaining <= 0:
            break
        moved += apps or 0
        if moved / remaining > policy.surge_per_host_per_minute:
            break
        allowed += 1
    return allowed


def allowance(policy: BudgetPolicy, load: FleetLoad) -> Allowance:
    """The drains that may start now under every limit at once."""
    limits = {
        "remaining": len(load.candidate_apps),
        "max_in_flight": policy.max_in_flight - load.draining,
        "per_minute": policy.per_minute - load.started_last_minute,
        "min_healthy": load.healthy - policy.min_healthy,
        "surge": _surge_allowance(policy, load),
    }
    limits = {name: max(0, value) for name, value in limits.items()}
    limit = min(limits, key=lambda name: (limits[name], name != "remaining"))
    return Allowance(limits[limit], limit, limits)
