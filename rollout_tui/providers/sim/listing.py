"""`list_hosts` for large fleets: patch the previous listing with what changed instead of rebuilding it."""

from __future__ import annotations

from rollout_tui.providers.base import HostFact
from rollout_tui.providers.sim.world import World


class Listing:
    """The facts of every listed host, kept in step with the world's dirty hosts."""

    def __init__(self) -> None:
        self._facts: list[HostFact] = []
        self._positions: dict[str, int] = {}
        self._roster = -1

    def facts(self, world: World) -> list[HostFact]:
        """Every listed host's fact, in launch order (a fresh list the caller may keep)."""
        dirty = world.dirty
        if world.roster != self._roster:
            self._facts = [host.fact() for host in world.hosts.values()]
            self._positions = {fact.host_id: i for i, fact in enumerate(self._facts)}
            self._roster = world.roster
        else:
            facts, positions = self._facts, self._positions
            for host_id, host in dirty.items():
                position = positions.get(host_id)
                if position is None:
                    positions[host_id] = len(facts)
                    facts.append(host.fact())
                else:
                    facts[position] = host.fact()
        dirty.clear()
        return list(self._facts)
