"""One simulated host: counts, not per-app objects, so 10,000 hosts stay cheap."""

from __future__ import annotations

from rollout_tui.providers.base import HostFact, Lifecycle


class SimHost:
    """A host of either fleet as the simulator tracks it."""

    __slots__ = (
        "_fact",
        "apps",
        "boot_fails",
        "drain_credit",
        "drain_per_step",
        "fleet",
        "healthy",
        "host_id",
        "lifecycle",
        "pool_index",
        "recent_starts",
        "recover_step",
    )

    def __init__(self, host_id: str, fleet: str, lifecycle: Lifecycle, *, apps: int = 0) -> None:
        self.host_id = host_id
        """`i-` and 17 hex digits."""
        self.fleet = fleet
        """`old` or `new`."""
        self.lifecycle = lifecycle
        """Where the provider says it is."""
        self.healthy = lifecycle is Lifecycle.IN_SERVICE
        """Whether its health checks pass."""
        self.apps = apps
        """User apps running on it (corrupted ones included)."""
        self.boot_fails = False
        """Drawn at launch: its health checks will never pass."""
        self.drain_per_step = 0.0
        """Apps moved off per step while draining."""
        self.drain_credit = 0.0
        """Fractional apps owed to the next step's move."""
        self.recent_starts = 0
        """App starts allocated in the last minute (the load on its node_modules allocation)."""
        self.recover_step = -1
        """Step at which an unhealthy host passes its checks again; -1 when not recovering."""
        self.pool_index = -1
        """Position in the receiver pool; -1 when it takes no new apps."""
        self._fact: HostFact | None = None

    def changed(self) -> None:
        """Forget the cached fact after any change the provider reports."""
        self._fact = None

    def fact(self) -> HostFact:
        """The host as `list_hosts` reports it (cached until it changes)."""
        if self._fact is None:
            self._fact = HostFact(self.host_id, self.fleet, self.lifecycle, self.healthy, self.apps)
        return self._fact

    @property
    def receives(self) -> bool:
        """Whether the scheduler may place apps on it: in service and healthy."""
        return self.lifecycle is Lifecycle.IN_SERVICE and self.healthy
