"""The same events replayed into aggregates by the `eventsourcing` library (benchmark-only extra).

One aggregate per host plus one for the rollout; stored in its SQLite recorder; replayed by getting every
aggregate from the repository. Only the replay is timed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from rollout_tui.store.log import EventLog


class HostAggregate(Aggregate):
    """A host, as an eventsourcing aggregate."""

    @staticmethod
    def create_id(host_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, host_id)

    @event("Appeared")
    def __init__(self, host_id: str, fleet: str, state: str) -> None:
        self.host_id = host_id
        self.fleet = fleet
        self.state = state

    @event("Moved")
    def move(self, state: str) -> None:
        self.state = state


class RolloutAggregate(Aggregate):
    """The rollout's own facts (signals, gate, stages), as one aggregate."""

    @staticmethod
    def create_id(rollout_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"rollout:{rollout_id}")

    @event("Planned")
    def __init__(self, rollout_id: str) -> None:
        self.rollout_id = rollout_id
        self.last: dict[str, Any] = {}

    @event("Happened")
    def happen(self, kind: str, data: dict[str, Any]) -> None:
        self.last[kind] = data


STATE_AFTER = {
    "HostBecameHealthy": "healthy",
    "HostFailed": "failed",
    "HostBecameUnhealthy": "unhealthy",
    "HostRecovered": "healthy",
    "DrainStarted": "draining",
    "HostDrained": "drained",
    "HostTerminated": "terminated",
}


def build(log_path: Path, store_path: Path) -> tuple[Application, list[UUID]]:
    """Write every event of the log into an eventsourcing application stored at `store_path`."""
    if store_path.exists():
        store_path.unlink()
    os.environ["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
    os.environ["SQLITE_DBNAME"] = str(store_path)
    app = Application()
    hosts: dict[str, HostAggregate] = {}
    rollout: RolloutAggregate | None = None
    with EventLog(log_path, readonly=True) as log:
        for e in log.read():
            if e.type in ("HostDiscovered", "HostBooted"):
                state = "booting" if e.type == "HostBooted" else "healthy"
                hosts[e.data["host_id"]] = HostAggregate(e.data["host_id"], e.data["fleet"], state)
            elif e.type in STATE_AFTER:
                hosts[e.data["host_id"]].move(STATE_AFTER[e.type])
            else:
                if rollout is None:
                    rollout = RolloutAggregate(e.rollout_id)
                rollout.happen(e.type, e.data)
            if e.seq % 5000 == 0:
                app.save(*hosts.values(), *([rollout] if rollout else []))
    app.save(*hosts.values(), *([rollout] if rollout else []))
    ids = [h.id for h in hosts.values()] + ([rollout.id] if rollout else [])
    return app, ids


def replay(app: Application, ids: list[UUID]) -> int:
    """Get every aggregate back from its events; returns how many."""
    count = 0
    for aggregate_id in ids:
        app.repository.get(aggregate_id)
        count += 1
    return count
