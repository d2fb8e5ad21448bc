"""The flapping "disk usage is getting tight" monitor: many raw alerts, a few fingerprints, never warnings."""

from __future__ import annotations

import random
from collections.abc import Callable

from rollout_tui.providers.sim import messages
from rollout_tui.providers.sim.host import SimHost


class DiskMonitor:
    """A fixed number of watched hosts, each firing for half of every period and resolved for the other half.

    A firing monitor re-sends its alert every `renotify_steps`. A watched host that stops serving is replaced
    by a random host that receives apps, so the flapping goes on for the whole run.
    """

    def __init__(self, hosts: int, period_steps: int, renotify_steps: int) -> None:
        self.size = hosts
        """How many hosts flap at once."""
        self.half = max(1, period_steps // 2)
        """Steps firing, then steps resolved."""
        self.renotify = max(1, renotify_steps)
        """Steps between repeated alerts while firing."""
        self._watched: list[tuple[SimHost, int]] = []

    def step(
        self, index: int, rng: random.Random, pick: Callable[[], SimHost | None]
    ) -> list[tuple[str, int]]:
        """The alerts sent during step `index`; `pick` offers a replacement host (or None)."""
        self._watched = [(host, phase) for host, phase in self._watched if host.receives]
        while len(self._watched) < self.size:
            host = pick()
            if host is None or any(host is watched for watched, _ in self._watched):
                break
            self._watched.append((host, rng.randrange(2 * self.half)))
        alerts: list[tuple[str, int]] = []
        for host, phase in self._watched:
            position = (index + phase) % (2 * self.half)
            if position == self.half:
                alerts.append((messages.disk_resolved(rng, host.host_id), 1))
            elif position < self.half and position % self.renotify == 0:
                alerts.append((messages.disk_firing(rng, host.host_id), 1))
        return alerts
