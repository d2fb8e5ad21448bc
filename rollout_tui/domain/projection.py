"""Fold a rollout's events into its state: fleets, hosts, gate, signals, operator commands.

`RolloutProjection.apply` is the only way state changes, live or in replay, so the state at any seq is the
fold of the events up to it. An event whose transition is illegal raises `ReplayError` naming its seq; an
event type this version does not know is counted in `skipped` and otherwise ignored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from rollout_tui.domain.events import OPERATOR_TYPES, Event, EventType
from rollout_tui.domain.host import (
    MOVES,
    TRIGGER_OF_EVENT,
    Fleet,
    Host,
    HostState,
    IllegalTransitionError,
    fire,
)
from rollout_tui.domain.rollout import Phase, RolloutStatus


class GateState(StrEnum):
    """The warning gate: open lets drains through, blocked clears itself, hold needs an operator."""

    OPEN = "open"
    BLOCKED = "blocked"
    HOLD = "hold"


class ReplayError(Exception):
    """An event that cannot be applied where it stands in the log."""

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(f"seq {seq}: {message}")
        self.seq = seq
        """The seq of the offending event."""
        self.detail = message
        """What is wrong with it."""


SNAPSHOT_FORMAT = 3
"""Bumped whenever `to_snapshot` changes shape: a snapshot of another format is ignored, never misread."""

_HOST_KINDS = [(fleet.value, state.value) for fleet in Fleet for state in HostState]
_CODE_OF_KIND = {kind: chr(ord("A") + i) for i, kind in enumerate(_HOST_KINDS)}
_FLEET_OF_CODE = {code: fleet for (fleet, _), code in _CODE_OF_KIND.items()}
_STATE_OF_CODE = {code: state for (_, state), code in _CODE_OF_KIND.items()}
"""A host's fleet and state as one letter in snapshots (`host_kinds`), and back."""

_PLAIN_FIELDS = (
    "rollout_id",
    "seq",
    "at",
    "plan",
    "stage",
    "started_at",
    "finished_at",
    "gate_reason",
    "gate_numbers",
    "baseline",
    "warnings_per_minute",
    "peak_warnings_per_minute",
    "apps",
    "fingerprints",
    "signals_readable",
    "boots_requested",
    "new_desired",
    "replacements",
    "drain_steps",
    "gate_streak",
    "gate_since",
    "gate_suppressed_until",
    "last_deferral",
    "pause_reason",
    "lease",
    "throttled",
    "provider_errors",
    "last_tick_at",
)
"""Fields that are plain JSON values, copied as they are into and out of snapshots."""


def _event_from_json(data: dict[str, Any]) -> Event:
    return Event(
        data["seq"],
        data["rollout_id"],
        data["stream"],
        data["version"],
        data["type"],
        data["at"],
        data.get("recorded_at", ""),
        data["actor"],
        data["data"],
    )


def _empty_counts() -> dict[str, dict[str, int]]:
    return {fleet.value: {state.value: 0 for state in HostState} for fleet in Fleet}


class RolloutProjection:
    """The state of one rollout as of `seq`."""

    def __init__(self, rollout_id: str | None = None) -> None:
        self.rollout_id = rollout_id
        """The rollout folded here; None takes the first one seen."""
        self.seq = 0
        """The last applied seq."""
        self.at: str | None = None
        """Event time of the last applied event."""
        self.plan: dict[str, Any] | None = None
        """The plan the rollout was started with, as recorded in `RolloutPlanned`."""
        self.status = RolloutStatus()
        """The rollout machine's model."""
        self.stage = "planned"
        """What the engine is doing: boot, wait_healthy, drain, terminate, done."""
        self.started_at: str | None = None
        """Event time the rollout started."""
        self.finished_at: str | None = None
        """Event time it completed or was aborted."""
        self.hosts: dict[str, Host] = {}
        """Every host of both fleets by id."""
        self.counts = _empty_counts()
        """Hosts per fleet per state, kept in step with `hosts`."""
        self.gate_state = GateState.OPEN
        """Where the gate stands."""
        self.gate_reason: str | None = None
        """Why the gate is not open, in words with the numbers."""
        self.gate_numbers: dict[str, Any] = {}
        """The data of the last gate decision."""
        self.baseline: dict[str, Any] | None = None
        """The warning baseline measured before draining."""
        self.warnings_per_minute = 0.0
        """The warning rate last observed."""
        self.peak_warnings_per_minute = 0.0
        """The highest warning rate observed so far."""
        self.apps: dict[str, int] | None = None
        """Healthy and corrupted apps, where the provider knows them."""
        self.fingerprints: list[list[Any]] = []
        """Top warning fingerprints of the last observation: [fingerprint, count]."""
        self.signals_readable = True
        """False while the provider cannot read signals."""
        self.boots_requested = 0
        """Hosts the engine has asked the provider to boot, replacements included."""
        self.new_desired = 0
        """The new fleet's desired size last asked of the provider."""
        self.replacements = 0
        """Boots that replaced failed hosts."""
        self.drain_steps = 0
        """Drain steps (batches) started."""
        self.gate_streak = 0
        """Consecutive good readings while blocked (hysteresis), as last recorded."""
        self.gate_since: str | None = None
        """Event time the gate last closed."""
        self.gate_suppressed_until: str | None = None
        """Until when an operator override or approval keeps the gate from closing."""
        self.last_deferral: dict[str, Any] | None = None
        """The last budget refusal: which limit, its value."""
        self.pause_reason: str | None = None
        """Why the rollout is paused."""
        self.handled_commands: set[int] = set()
        """Seqs of operator commands the engine has answered (events carrying `command_seq`)."""
        self.commands: list[Event] = []
        """Operator commands in log order."""
        self.lease: dict[str, Any] | None = None
        """The engine lease: holder and expiry, or None when released."""
        self.throttled = 0
        """API throttling events recorded."""
        self.provider_errors = 0
        """Provider errors recorded."""
        self.skipped: Counter[str] = Counter()
        """Unknown event types skipped, by type."""
        self.last_tick_at: str | None = None
        """Event time of the engine's last committed tick (every tick records its signal reading)."""
        self._places: dict[str, dict[str, dict[str, int]]] | None = None
        """Host ids by fleet and state, each with its place in `hosts`, so `hosts_in` need not look at every
        host; built by the first `hosts_in` (a replay that never asks pays nothing), then kept by the fold."""
        self._handlers: dict[str, Callable[[Event], None]] = {
            EventType.ROLLOUT_PLANNED: self._planned,
            EventType.ROLLOUT_STARTED: self._started,
            EventType.STAGE_CHANGED: self._stage_changed,
            EventType.ROLLOUT_PAUSED: self._paused,
            EventType.ROLLOUT_RESUMED: self._resumed,
            EventType.ROLLOUT_COMPLETED: self._completed,
            EventType.ROLLOUT_ABORTED: self._aborted,
            EventType.BOOT_REQUESTED: self._boot_requested,
            EventType.DRAIN_DEFERRED: self._drain_deferred,
            EventType.HOST_DISCOVERED: self._host_created,
            EventType.HOST_BOOTED: self._host_created,
            EventType.BASELINE_MEASURED: self._baseline,
            EventType.SIGNALS_OBSERVED: self._signals,
            EventType.SIGNALS_UNREADABLE: self._signals_unreadable,
            EventType.GATE_BLOCKED: self._gate_closed,
            EventType.GATE_HELD: self._gate_closed,
            EventType.GATE_CLEARED: self._gate_opened,
            EventType.GATE_OVERRIDDEN: self._gate_opened,
            EventType.API_THROTTLED: self._throttled,
            EventType.PROVIDER_ERROR: self._provider_error,
            EventType.LEASE_ACQUIRED: self._lease,
            EventType.LEASE_RENEWED: self._lease,
            EventType.LEASE_RELEASED: self._lease_released,
        }
        for event_type in TRIGGER_OF_EVENT:
            self._handlers[event_type] = self._host_moved
        self._handlers[EventType.DRAIN_STARTED] = self._drain_started
        self._handlers[EventType.COMMAND_REJECTED] = self._command_rejected
        for event_type in OPERATOR_TYPES:
            self._handlers[event_type] = self._command

    # -- folding -------------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Fold one event in; raise `ReplayError` if it cannot legally happen here."""
        if self.rollout_id is None:
            self.rollout_id = event.rollout_id
        elif event.rollout_id != self.rollout_id:
            return
        handler = self._handlers.get(event.type)
        if handler is None:
            self.skipped[event.type] += 1
        else:
            try:
                handler(event)
            except IllegalTransitionError as err:
                raise ReplayError(event.seq, str(err)) from err
            except (KeyError, TypeError, ValueError) as err:
                raise ReplayError(event.seq, f"{event.type} has malformed data: {err!r}") from err
        command_seq = event.data.get("command_seq")
        if isinstance(command_seq, int):
            self.handled_commands.add(command_seq)
        self.seq = event.seq
        self.at = event.at

    def apply_all(self, events: Iterable[Event]) -> RolloutProjection:
        """Fold many events in, in order; returns self."""
        for event in events:
            self.apply(event)
        return self

    def _planned(self, event: Event) -> None:
        if self.plan is not None:
            raise IllegalTransitionError("rollout was already planned")
        self.plan = event.data["plan"]

    def _started(self, event: Event) -> None:
        self.status.fire("start")
        self.started_at = event.at

    def _stage_changed(self, event: Event) -> None:
        self.stage = str(event.data["stage"])

    def _paused(self, event: Event) -> None:
        self.status.fire("pause")
        self.pause_reason = event.data.get("reason")

    def _resumed(self, event: Event) -> None:
        self.status.fire("resume")
        self.pause_reason = None
        if self.gate_state is not GateState.OPEN:
            self.status.fire("block")

    def _completed(self, event: Event) -> None:
        self.status.fire("complete")
        self.stage = "done"
        self.finished_at = event.at

    def _aborted(self, event: Event) -> None:
        self.status.fire("abort")
        self.finished_at = event.at

    def _boot_requested(self, event: Event) -> None:
        self.boots_requested += int(event.data["count"])
        self.new_desired = int(event.data["desired"])
        if event.data.get("replaces"):
            self.replacements += 1

    def _drain_deferred(self, event: Event) -> None:
        self.last_deferral = event.data

    def _host_created(self, event: Event) -> None:
        host_id = str(event.data["host_id"])
        if host_id in self.hosts:
            raise IllegalTransitionError(f"host {host_id} already exists")
        fleet = str(event.data["fleet"])
        if fleet not in self.counts:
            raise IllegalTransitionError(f"host {host_id} is in unknown fleet {fleet!r}")
        if event.type == EventType.HOST_BOOTED:
            state = HostState.BOOTING.value
        else:
            state = str(event.data.get("state", HostState.HEALTHY))
            if state not in (HostState.HEALTHY, HostState.UNHEALTHY):
                raise IllegalTransitionError(f"host {host_id} cannot be discovered {state}")
        host = Host(host_id, fleet, state, event.at, int(event.data.get("apps", 0)))
        self.hosts[host_id] = host
        self.counts[fleet][state] += 1
        if self._places is not None:
            self._places[fleet][state][host_id] = len(self.hosts) - 1

    def _drain_started(self, event: Event) -> None:
        if event.data.get("first_of_step"):
            self.drain_steps += 1
        self._host_moved(event)

    def _host_moved(self, event: Event) -> None:
        data = event.data
        host_id = str(data["host_id"])
        host = self.hosts.get(host_id)
        if host is None:
            raise IllegalTransitionError(f"{event.type} for unknown host {host_id}")
        before = host.state
        after = MOVES[event.type].get(before)
        if after is None:
            fire(host, TRIGGER_OF_EVENT[event.type])  # refused: raises the machine's own error
        host.state = after
        counts = self.counts[host.fleet]
        counts[before] -= 1
        counts[after] += 1
        if self._places is not None:
            places = self._places[host.fleet]
            places[after][host_id] = places[before].pop(host_id)
        host.since = event.at
        if "apps" in data:
            host.apps = int(data["apps"])

    def _baseline(self, event: Event) -> None:
        self.baseline = event.data

    def _signals(self, event: Event) -> None:
        self.last_tick_at = event.at
        self.signals_readable = True
        self.gate_streak = int(event.data.get("good_streak", 0))
        rate = float(event.data.get("warnings_per_minute", 0.0))
        self.warnings_per_minute = rate
        self.peak_warnings_per_minute = max(self.peak_warnings_per_minute, rate)
        apps = event.data.get("apps")
        if apps is not None:
            self.apps = {"healthy": int(apps["healthy"]), "corrupted": int(apps["corrupted"])}
        self.fingerprints = list(event.data.get("fingerprints", []))

    def _signals_unreadable(self, event: Event) -> None:
        self.last_tick_at = event.at
        self.signals_readable = False

    def _gate_closed(self, event: Event) -> None:
        self.gate_state = GateState.HOLD if event.type == EventType.GATE_HELD else GateState.BLOCKED
        self.gate_reason = str(event.data.get("reason", event.type))
        self.gate_numbers = event.data
        if self.gate_since is None or event.type == EventType.GATE_BLOCKED:
            self.gate_since = event.at
        if self.status.state == Phase.RUNNING:
            self.status.fire("block")

    def _gate_opened(self, event: Event) -> None:
        if self.gate_state is GateState.OPEN and event.type == EventType.GATE_CLEARED:
            raise IllegalTransitionError("gate cleared while it was open")
        self.gate_state = GateState.OPEN
        self.gate_reason = None
        self.gate_since = None
        self.gate_numbers = event.data
        self.gate_suppressed_until = event.data.get("suppress_until")
        if self.status.state == Phase.BLOCKED:
            self.status.fire("unblock")

    def _throttled(self, event: Event) -> None:
        self.throttled += 1

    def _provider_error(self, event: Event) -> None:
        self.provider_errors += 1

    def _command(self, event: Event) -> None:
        self.commands.append(event)

    def _command_rejected(self, event: Event) -> None:
        """Recorded for the operator; its `command_seq` marks the command answered."""

    def _lease(self, event: Event) -> None:
        self.lease = {"holder": event.data["holder"], "expires_at": event.data["expires_at"]}

    def _lease_released(self, event: Event) -> None:
        self.lease = None

    # -- queries -------------------------------------------------------------------------------------

    @property
    def phase(self) -> str:
        """The rollout machine's state."""
        return self.status.state

    def pending_commands(self) -> list[Event]:
        """Operator commands the engine has not answered yet, oldest first."""
        return [c for c in self.commands if c.seq not in self.handled_commands]

    def fleet_size(self, fleet: str, *, alive: bool = False) -> int:
        """Hosts of `fleet` the rollout knows (only those not terminated, with `alive`), from the counts."""
        counts = self.counts[fleet]
        return sum(counts.values()) - (counts[HostState.TERMINATED] if alive else 0)

    def hosts_in(self, fleet: str, *states: str) -> list[Host]:
        """Hosts of `fleet` in any of `states`, in the order they appeared.

        It costs the hosts found, not every host: the engine asks several times a tick, mostly for the
        few draining, drained or failed hosts of a fleet of thousands.
        """
        if self._places is None:
            self._places = self._index_places()
        by_state = self._places.get(fleet, {})
        found: dict[str, int] = {}
        for state in states:
            found.update(by_state.get(state, {}))
        hosts = self.hosts
        return [hosts[host_id] for host_id in sorted(found, key=found.__getitem__)]

    def _index_places(self) -> dict[str, dict[str, dict[str, int]]]:
        places: dict[str, dict[str, dict[str, int]]] = {
            fleet: {state: {} for state in states} for fleet, states in self.counts.items()
        }
        for place, host in enumerate(self.hosts.values()):
            places[host.fleet][host.state][host.host_id] = place
        return places

    def status_json(self) -> dict[str, Any]:
        """The object `status --json` and `replay --json` print (DESIGN.md)."""
        return {
            "rollout_id": self.rollout_id,
            "phase": self.phase,
            "stage": self.stage,
            "seq": self.seq,
            "at": self.at,
            "fleets": {fleet: dict(states) for fleet, states in self.counts.items()},
            "gate": {"state": self.gate_state.value, "reason": self.gate_reason},
            "warnings_per_minute": self.warnings_per_minute,
            "apps": dict(self.apps) if self.apps is not None else None,
        }

    def to_snapshot(self) -> dict[str, Any]:
        """Everything needed to carry on folding from `seq`, as JSON values (see `from_snapshot`).

        Hosts are kept as columns in order of appearance, so that 20,000 of them are a few JSON arrays and
        one string that decode in bulk: `host_ids`, `host_kinds` (one letter per host for its fleet and
        state), `host_since` and `host_apps`.
        """
        hosts = list(self.hosts.values())
        snapshot: dict[str, Any] = {name: getattr(self, name) for name in _PLAIN_FIELDS}
        snapshot.update(
            format=SNAPSHOT_FORMAT,
            phase=self.status.state,
            gate_state=self.gate_state.value,
            host_ids=[h.host_id for h in hosts],
            host_kinds="".join([_CODE_OF_KIND[h.fleet, h.state] for h in hosts]),
            host_since=[h.since for h in hosts],
            host_apps=[h.apps for h in hosts],
            handled_commands=sorted(self.handled_commands),
            commands=[{**c.as_json(), "recorded_at": c.recorded_at} for c in self.commands],
            skipped=dict(self.skipped),
        )
        return snapshot

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> RolloutProjection:
        """The projection a snapshot was taken of; folding on from it equals folding from the start.

        Raises `ValueError` for a snapshot of another format or whose host columns do not line up (the
        caller folds from the first event instead).
        """
        if snapshot.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"snapshot format {snapshot.get('format')!r}, not {SNAPSHOT_FORMAT}")
        fold = cls(snapshot["rollout_id"])
        for name in _PLAIN_FIELDS:
            setattr(fold, name, snapshot[name])
        fold.status.state = snapshot["phase"]
        fold.gate_state = GateState(snapshot["gate_state"])
        ids, kinds = snapshot["host_ids"], snapshot["host_kinds"]
        since, apps = snapshot["host_since"], snapshot["host_apps"]
        if not len(ids) == len(kinds) == len(since) == len(apps):
            raise ValueError("snapshot host columns differ in length")
        hosts = map(
            Host,
            ids,
            map(_FLEET_OF_CODE.__getitem__, kinds),
            map(_STATE_OF_CODE.__getitem__, kinds),
            since,
            apps,
        )
        fold.hosts = dict(zip(ids, hosts, strict=True))
        if len(fold.hosts) != len(ids):
            raise ValueError("snapshot lists a host twice")
        for (fleet, state), code in _CODE_OF_KIND.items():
            fold.counts[fleet][state] = kinds.count(code)
        fold.handled_commands = set(snapshot["handled_commands"])
        fold.commands = [_event_from_json(c) for c in snapshot["commands"]]
        fold.skipped = Counter(snapshot["skipped"])
        return fold

    def state_dict(self) -> dict[str, Any]:
        """Everything the fold knows, as plain values: equal folds give equal dicts."""
        return {
            **self.status_json(),
            "plan": self.plan,
            "hosts": {h.host_id: h.as_dict() for h in self.hosts.values()},
            "gate_numbers": self.gate_numbers,
            "baseline": self.baseline,
            "fingerprints": self.fingerprints,
            "peak_warnings_per_minute": self.peak_warnings_per_minute,
            "signals_readable": self.signals_readable,
            "boots_requested": self.boots_requested,
            "last_deferral": self.last_deferral,
            "pause_reason": self.pause_reason,
            "handled_commands": sorted(self.handled_commands),
            "gate_streak": self.gate_streak,
            "gate_since": self.gate_since,
            "gate_suppressed_until": self.gate_suppressed_until,
            "new_desired": self.new_desired,
            "replacements": self.replacements,
            "drain_steps": self.drain_steps,
            "commands": [c.seq for c in self.commands],
            "lease": self.lease,
            "throttled": self.throttled,
            "provider_errors": self.provider_errors,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "skipped": dict(self.skipped),
            "last_tick_at": self.last_tick_at,
        }
