"""Fold a rollout's events into its state: fleets, hosts, gate, signals, operator commands.

`RolloutProjection.apply` is the only way state changes, live or in replay, so the state at any seq is the
fold of the events up to it. An event whose transition is illegal raises `ReplayError` naming its seq; an
event type this version does not know is counted in `skipped` and otherwise ignored.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left
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


SNAPSHOT_FORMAT = 4
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


HOST_COLUMNS = ("host_ids", "host_kinds", "host_since", "host_apps", "host_order")
"""The snapshot keys that hold its hosts, each one string (the store keeps them apart from the JSON)."""


def _checksum(columns: list[str]) -> int:
    """CRC-32 of the host columns, so a snapshot damaged after it was written is refused whole when read,
    not found out cell by cell once its hosts are built."""
    crc = 0
    for column in columns:
        crc = zlib.crc32(column.encode(), crc)
    return crc


def _fixed(values: list[str], pad: str, right: bool = False) -> str:
    """`values` padded to one width with `pad` and joined, so row `i` is a slice."""
    width = max(map(len, values), default=0)
    return "".join([v.rjust(width, pad) if right else v.ljust(width, pad) for v in values])


def _cells(column: str, rows: int) -> int:
    """The width of each of `rows` fixed-width cells making up `column`."""
    width = len(column) // rows if rows else 0
    if width * rows != len(column) or (rows and not width):
        raise ValueError("snapshot host columns differ in length")
    return width


def _split(column: str, width: int, rows: int) -> list[str]:
    """The `rows` cells of a fixed-width column."""
    return [column[i : i + width] for i in range(0, rows * width, width)] if width else [""] * rows


class _SnapshotHosts:
    """A snapshot's hosts, left in its columns until asked for; each is built into a `Host` on first use.

    Opening a long log should cost what the events since its newest snapshot touch, not one object per
    host of the fleet. The columns are the strings the store keeps (see `HOST_COLUMNS`), rows sorted by
    host id so a host is found by bisection; a checksum in the snapshot's JSON (`host_checksum`) vouches
    for them, so their cells are read when needed rather than checked up front:
    - `host_ids`: one id per line;
    - `host_kinds`: one letter per row for its fleet and state (`_CODE_OF_KIND`);
    - `host_since` and `host_apps`: fixed-width cells, row `i` a slice;
    - `host_order`: fixed-width cells, the rows in the order the hosts appeared.
    """

    __slots__ = ("apps", "counts", "ids", "kinds", "order", "since", "widths")

    def __init__(self, columns: dict[str, Any]) -> None:
        ids, kinds, since, apps, order = texts = [columns[name] for name in HOST_COLUMNS]
        if not all(isinstance(c, str) for c in texts):
            raise TypeError("snapshot host columns must be text")
        if columns["host_checksum"] != _checksum(texts):
            raise ValueError("snapshot host columns do not match their checksum")
        self.ids = ids.split("\n") if kinds else []
        rows = len(self.ids)
        self.counts = {code: kinds.count(code) for code in _FLEET_OF_CODE}
        """Hosts of each kind."""
        if len(kinds) != rows:
            raise ValueError("snapshot host columns differ in length")
        if sum(self.counts.values()) != rows:
            raise ValueError("snapshot host kinds hold an unknown letter")
        self.widths = (_cells(since, rows), _cells(apps, rows), _cells(order, rows))
        self.kinds, self.since, self.apps, self.order = kinds, since, apps, order

    @staticmethod
    def sort(hosts: list[Host]) -> tuple[list[int], str]:
        """For `hosts` in order of appearance: their places sorted by id, and the `host_order` column."""
        rows = sorted(range(len(hosts)), key=[h.host_id for h in hosts].__getitem__)
        row_of = [0] * len(hosts)
        for row, place in enumerate(rows):
            row_of[place] = row
        return rows, _fixed([str(row) for row in row_of], " ", right=True)

    @staticmethod
    def columns(hosts: list[Host], order: tuple[list[int], str]) -> dict[str, Any]:
        """The columns `__init__` reads, of `hosts` in order of appearance, sorted as `sort` gave them."""
        rows, order_column = order
        by_id = [hosts[i] for i in rows]
        ids = "\n".join([h.host_id for h in by_id])
        since = [h.since for h in by_id]
        if ids.count("\n") != max(len(hosts) - 1, 0) or any(s.endswith("\n") for s in since):
            raise ValueError("a host id holds a line break or a time ends with one: not kept in a snapshot")
        columns: dict[str, Any] = {
            "host_ids": ids,
            "host_kinds": "".join([_CODE_OF_KIND[h.fleet, h.state] for h in by_id]),
            "host_since": _fixed(since, "\n"),
            "host_apps": _fixed([str(h.apps) for h in by_id], " ", right=True),
            "host_order": order_column,
        }
        columns["host_checksum"] = _checksum([columns[name] for name in HOST_COLUMNS])
        return columns

    def _row(self, host_id: str) -> int | None:
        """The row of `host_id`, found by bisection; None if the snapshot has no such host."""
        row = bisect_left(self.ids, host_id)
        return row if row < len(self.ids) and self.ids[row] == host_id else None

    def has(self, host_id: str) -> bool:
        return self._row(host_id) is not None

    def _host(self, row: int) -> Host:
        code = self.kinds[row]
        since_width, apps_width, _ = self.widths
        since = self.since[row * since_width : (row + 1) * since_width].rstrip("\n")
        apps = int(self.apps[row * apps_width : (row + 1) * apps_width])
        return Host(self.ids[row], _FLEET_OF_CODE[code], _STATE_OF_CODE[code], since, apps)

    def build(self, host_id: str, hosts: dict[str, Host]) -> Host | None:
        """The host `host_id` of the snapshot, built and added to `hosts`; None if it has no such host."""
        row = self._row(host_id)
        if row is None:
            return None
        host = hosts[host_id] = self._host(row)
        return host

    def build_all(self, built: dict[str, Host]) -> dict[str, Host]:
        """Every host by id in order of appearance: the snapshot's, then the ones created after it.

        Hosts already in `built` (asked for, or created since) are kept as they are, so the fold's later
        changes to them stand.
        """
        rows = len(self.ids)
        since_width, apps_width, order_width = self.widths
        kinds = self.kinds
        by_row = list(
            map(
                Host,
                self.ids,
                map(_FLEET_OF_CODE.__getitem__, kinds),
                map(_STATE_OF_CODE.__getitem__, kinds),
                [since.rstrip("\n") for since in _split(self.since, since_width, rows)],
                map(int, _split(self.apps, apps_width, rows)),
            )
        )
        order = map(int, _split(self.order, order_width, rows))
        hosts = {host.host_id: host for host in map(by_row.__getitem__, order)}
        hosts.update(built)
        return hosts


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
        self._hosts: dict[str, Host] = {}
        """Every host of both fleets by id, except those of `_unbuilt` not yet asked for (see `hosts`)."""
        self._unbuilt: _SnapshotHosts | None = None
        """The hosts of the snapshot this fold started from, kept as columns until they are first needed."""
        self._order: tuple[list[int], str] | None = None
        """The hosts' order by id as the last snapshot wrote it (hosts only come, so a count tells)."""
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
        if host_id in self._hosts or (self._unbuilt is not None and self._unbuilt.has(host_id)):
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
        self._hosts[host_id] = host
        self.counts[fleet][state] += 1
        if self._places is not None:
            self._places[fleet][state][host_id] = len(self._hosts) - 1

    def _drain_started(self, event: Event) -> None:
        if event.data.get("first_of_step"):
            self.drain_steps += 1
        self._host_moved(event)

    def _host_moved(self, event: Event) -> None:
        data = event.data
        host_id = str(data["host_id"])
        host = self._hosts.get(host_id)
        if host is None and self._unbuilt is not None:
            host = self._unbuilt.build(host_id, self._hosts)
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
    def hosts(self) -> dict[str, Host]:
        """Every host of both fleets by id, in the order they appeared.

        A fold started from a snapshot builds its hosts here, on first use: opening a long log for its
        status costs the snapshot's columns, not 20,000 host objects nobody looks at.
        """
        if self._unbuilt is not None:
            self._hosts = self._unbuilt.build_all(self._hosts)
            self._unbuilt = None
        return self._hosts

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
        few draining, drained or failed hosts of a fleet of thousands. (The first call on a fold started
        from a snapshot builds every host, as `hosts` does.)
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

        Hosts are kept as a few strings (`HOST_COLUMNS`, see `_SnapshotHosts`), so 20,000 of them cost no
        JSON to read and none are built until used. Raises `ValueError` if a host id holds a line break or
        a time ends with one, which the columns cannot keep (the caller writes no snapshot).
        """
        hosts = list(self.hosts.values())
        snapshot: dict[str, Any] = {name: getattr(self, name) for name in _PLAIN_FIELDS}
        snapshot.update(
            format=SNAPSHOT_FORMAT,
            phase=self.status.state,
            gate_state=self.gate_state.value,
            **_SnapshotHosts.columns(hosts, self._snapshot_order(hosts)),
            handled_commands=sorted(self.handled_commands),
            commands=[{**c.as_json(), "recorded_at": c.recorded_at} for c in self.commands],
            skipped=dict(self.skipped),
        )
        return snapshot

    def _snapshot_order(self, hosts: list[Host]) -> tuple[list[int], str]:
        """`_SnapshotHosts.sort` of `hosts`, sorted again only when hosts were added (none are removed)."""
        if self._order is None or len(self._order[0]) != len(hosts):
            self._order = _SnapshotHosts.sort(hosts)
        return self._order

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> RolloutProjection:
        """The projection a snapshot was taken of; folding on from it equals folding from the start.

        Raises `ValueError`, `KeyError` or `TypeError` for a snapshot of another format, one missing a
        field, or one whose host columns do not line up or match their checksum (the caller folds from the
        first event instead).
        """
        if snapshot.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"snapshot format {snapshot.get('format')!r}, not {SNAPSHOT_FORMAT}")
        fold = cls(snapshot["rollout_id"])
        for name in _PLAIN_FIELDS:
            setattr(fold, name, snapshot[name])
        fold.status.state = snapshot["phase"]
        fold.gate_state = GateState(snapshot["gate_state"])
        fold._unbuilt = _SnapshotHosts(snapshot)
        for (fleet, state), code in _CODE_OF_KIND.items():
            fold.counts[fleet][state] = fold._unbuilt.counts[code]
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
