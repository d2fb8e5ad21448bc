"""The hosts the scheduler may place apps on, with O(1) add, remove and random pick."""

from __future__ import annotations

import random

from rollout_tui.providers.sim.host import SimHost


class ReceiverPool:
    """In-service healthy hosts of both fleets; an indexable set (swap-remove), so 10,000 hosts stay cheap."""

    def __init__(self) -> None:
        self.hosts: list[SimHost] = []
        """Members, in no meaningful order."""

    def __len__(self) -> int:
        return len(self.hosts)

    def add(self, host: SimHost) -> None:
        """Let the scheduler place apps on `host` (no-op if it already may)."""
        if host.pool_index < 0:
            host.pool_index = len(self.hosts)
            self.hosts.append(host)

    def remove(self, host: SimHost) -> None:
        """Stop placing apps on `host` (no-op if not a member)."""
        index = host.pool_index
        if index < 0:
            return
        last = self.hosts.pop()
        if last is not host:
            self.hosts[index] = last
            last.pool_index = index
        host.pool_index = -1

    def sync(self, host: SimHost) -> None:
        """Add or remove `host` to match whether it receives apps now."""
        if host.receives:
            self.add(host)
        else:
            self.remove(host)

    def pick(self, rng: random.Random) -> SimHost:
        """Where the scheduler puts one app: the less loaded of two random members (power of two choices)."""
        hosts = self.hosts
        first = hosts[int(rng.random() * len(hosts))]
        second = hosts[int(rng.random() * len(hosts))]
        return second if second.recent_starts < first.recent_starts else first
