"""The rollout loop: read the provider, record facts and decisions, then act.

Every tick: read what the provider reports (hosts, signals, throttling); then, in one transaction, answer
operator commands, record the facts, let the gate judge the signals and decide the next step of the current
stage (boot, wait for health, drain, terminate); then, once that is committed, ask the provider to carry the
decisions out. A tick is recorded whole or not at all, and a decision is always in the log before the
provider hears of it. Every provider action is idempotent, so an engine resumed from the log after a crash
repeats no boot or drain: it re-issues only what the log says was decided and the provider has not done.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress
from operator import is_not
from typing import Any, overload

from rollout_tui.domain.budget import BudgetPolicy, FleetLoad, allowance
from rollout_tui.domain.events import Event, EventType, NewEvent, gate_stream, host_stream, rollout_stream
from rollout_tui.domain.fingerprints import aggregate
from rollout_tui.domain.gate import GatePolicy, Reading, decide, evaluate
from rollout_tui.domain.host import Fleet, Host, HostState
from rollout_tui.domain.projection import GateState, RolloutProjection
from rollout_tui.domain.rollout import FINAL_PHASES, Phase
from rollout_tui.engine.lease import Lease, wall_clock
from rollout_tui.engine.plan import Plan
from rollout_tui.errors import ExitCode, ProviderFailureError
from rollout_tui.providers.base import (
    Clock,
    HostFact,
    Incident,
    IncidentKind,
    Lifecycle,
    Provider,
    ProviderError,
    Signals,
    SignalsUnreadableError,
    iso,
    parse_iso,
)
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import bulk_fold

MINUTE = timedelta(seconds=60)
WRITER_GAP_SECONDS = 0.002
"""Real time between ticks in which the write lock is free, so operator commands get in even when a simulated
rollout runs flat out (a tick holds the lock from its first event to its last)."""
SNAPSHOT_EVERY = 1_000
"""Seqs between the projection snapshots the engine writes, so opening a long log folds at most about this
many events (plus one tick's) after the newest."""
SNAPSHOT_THIN_WITHIN = 5_000
"""Of the older snapshots within each stretch of this many seqs, the engine keeps the first, so a log holds
one per stretch (and the newest) and a replay seek folds at most about this many events."""

Pending = tuple[str, str, dict[str, Any]]
"""An event to record: (stream, type, data)."""


@dataclass(frozen=True, slots=True)
class ProviderReading:
    """Everything a tick reads from the provider, read before the tick's transaction begins."""

    facts: list[HostFact]
    """Every host of both fleets."""
    signals: Signals | SignalsUnreadableError
    """The gate window's signals, or why they could not be read."""
    baseline: Signals | SignalsUnreadableError | None
    """The baseline window's signals, while a baseline may be due."""
    incidents: list[Incident]
    """Throttles and errors met since the last tick."""


def gate_policy(plan: Plan) -> GatePolicy:
    """The plan's `[gate]` as the domain's policy."""
    gate = plan.gate
    return GatePolicy(
        enabled=gate.enabled,
        window_seconds=gate.window_seconds,
        floor_per_minute=gate.floor_per_minute,
        multiple=gate.multiple,
        min_healthy_app_ratio=gate.min_healthy_app_ratio,
        clear_after=gate.clear_after,
        on_unreadable=gate.on_unreadable,
        hold_after_seconds=gate.hold_after_seconds,
    )


def budget_policy(plan: Plan, old_fleet_size: int) -> BudgetPolicy:
    """The plan's `[drain]` resolved against the fleet sizes."""
    drain = plan.drain
    return BudgetPolicy(
        max_in_flight=max(1, drain.max_in_flight.of(old_fleet_size)),
        per_minute=drain.per_minute,
        min_healthy=drain.min_healthy.of(plan.fleets.target_size),
        surge_per_host_per_minute=drain.surge_per_host_per_minute,
    )


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Keep what is loaded now out of the cyclic collector's full passes while inside (a rollout's run).

    The projection, plan and provider state live as long as the run. At 10,000 hosts per fleet a full
    collection rescans all of them, tens of milliseconds every few ticks; frozen, it only scans what
    the ticks create. Garbage is collected first, and everything is unfrozen when the run ends.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _records_nothing(state: str, lifecycle: Lifecycle, healthy: bool) -> bool:
    """Whether a host in `state` whose provider fact says `lifecycle`, `healthy` has nothing to record.

    Mirrors `Engine._moved` for every state but booting (which also waits on a timeout); a test holds the
    two together over every combination.
    """
    gone = lifecycle is Lifecycle.TERMINATED
    serving = lifecycle is Lifecycle.IN_SERVICE
    match state:
        case HostState.BOOTING:
            return False
        case HostState.HEALTHY:
            return not gone and not (serving and not healthy)
        case HostState.UNHEALTHY:
            return not gone and not (serving and healthy)
        case HostState.DRAINING:
            return not gone and lifecycle is not Lifecycle.DRAINED
    return True


QUIET: frozenset[tuple[str, Lifecycle, bool]] = frozenset(
    (state, lifecycle, healthy)
    for state in HostState
    for lifecycle in Lifecycle
    for healthy in (False, True)
    if _records_nothing(state, lifecycle, healthy)
)
"""(host state, provider lifecycle, healthy) that record nothing: most hosts on most ticks; skipped."""


class CandidateApps(Sequence[int]):
    """Apps on each drain candidate, looked up only for the candidates the budget actually looks at.

    The budget walks candidates in drain order only until a limit stops it (a few hosts), but wants to know
    how many there are; at 10,000 old hosts, looking up every candidate's apps every tick cost more than
    the rest of the decision.
    """

    def __init__(self, hosts: Sequence[Host], apps: Callable[[Host], int]) -> None:
        self._hosts = hosts
        self._apps = apps

    def __len__(self) -> int:
        return len(self._hosts)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self._apps(host) for host in self._hosts[index]]
        return self._apps(self._hosts[index])


class Engine:
    """Drives one rollout. Not thread-safe: run it on one thread (the TUI gives it a worker)."""

    def __init__(
        self,
        log: EventLog,
        plan: Plan,
        provider: Provider,
        clock: Clock,
        rollout_id: str,
        *,
        holder: str,
        wall: Callable[[], datetime] = wall_clock,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self.log = log
        """The event log: the only state that survives this process."""
        self.plan = plan
        """What to do."""
        self.provider = provider
        """Where hosts and signals come from."""
        self.clock = clock
        """Event time."""
        self.rollout_id = rollout_id
        """The rollout driven."""
        self.projection = RolloutProjection(rollout_id)
        """The rollout's state, folded from the log."""
        self.lease = Lease(log, rollout_id, holder, plan.engine.lease_seconds, wall=wall)
        """This engine's hold on the rollout."""
        self.on_event: Callable[[Event], None] | None = None
        """Called with every event folded in after the engine was made (JSON lines, progress, TUI)."""
        self.gate = gate_policy(plan)
        """The gate policy."""
        self._actor = f"provider:{provider.name}"
        self._facts: dict[str, HostFact] = {}
        self._listed: list[HostFact] = []
        """The provider's last listing, to tell which facts are new objects this tick (see `_observe`)."""
        self._places: dict[str, int] = {}
        """Each listed host's place in `_facts` (its place in `_listed`, unless a provider lists it twice)."""
        self._touched: set[str] = set()
        """Hosts whose events were folded since the last `_observe` (by this engine or another)."""
        self._recent_drains: deque[tuple[datetime, int]] = deque()
        self._recent_boots: deque[tuple[datetime, int]] = deque()
        self._failures = 0
        self._last_deferral: tuple[str, int] | None = None
        self._reconciled = False
        self._actions: list[Callable[[], object]] = []
        with bulk_fold():
            self._catch_up()
        self._snapshot_seq = log.newest_snapshot_seq(rollout_id)
        """Seq of the newest snapshot in the log, so restarts do not put off the next one."""
        self.on_event = on_event

    # -- the log -------------------------------------------------------------------------------------

    def _fold(self, event: Event) -> None:
        self.projection.apply(event)
        host_id = event.data.get("host_id")
        if host_id is not None:
            self._touched.add(str(host_id))  # as the projection keys it
        moment = parse_iso(event.at)
        if event.type == EventType.DRAIN_STARTED:
            self._recent_drains.append((moment, int(event.data.get("apps") or 0)))
        elif event.type == EventType.BOOT_REQUESTED:
            self._recent_boots.append((moment, int(event.data["count"])))
        if self.on_event is not None:
            self.on_event(event)

    def _catch_up(self) -> None:
        """Fold in everything appended since the last fold, by this engine or anyone else."""
        for event in self.log.read(after=self.projection.seq, rollout_id=self.rollout_id):
            self._fold(event)

    def record(self, pending: list[Pending], *, actor: str = "engine") -> None:
        """Append events atomically at the current event time, then fold them (and anything newer) in."""
        if not pending:
            return
        at = iso(self.clock.now())
        self.log.append_batch(
            [NewEvent(self.rollout_id, stream, type_, at, actor, data) for stream, type_, data in pending]
        )
        self._catch_up()
        if self.projection.seq - self._snapshot_seq >= SNAPSHOT_EVERY:
            with contextlib.suppress(ValueError):  # hosts a snapshot cannot keep: replays fold instead
                self.log.write_snapshot(
                    self.rollout_id,
                    self.projection.seq,
                    self.projection.to_snapshot(),
                    thin_within=SNAPSHOT_THIN_WITHIN,
                )
            self._snapshot_seq = self.projection.seq

    def _host(self, type_: str, host_id: str, **data: Any) -> Pending:
        return host_stream(host_id), type_, {"host_id": host_id, **data}

    def _rollout(self, type_: str, **data: Any) -> Pending:
        return rollout_stream(self.rollout_id), type_, data

    def _gate(self, type_: str, **data: Any) -> Pending:
        return gate_stream(self.rollout_id), type_, data

    # -- lifecycle -----------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.projection.phase in FINAL_PHASES

    def begin(self) -> None:
        """Record the plan and the start of a new rollout."""
        if self.projection.plan is None:
            self.record(
                [
                    self._rollout(
                        EventType.ROLLOUT_PLANNED,
                        plan=self.plan.as_data(),
                        provider=self.provider.describe(),
                    ),
                    self._rollout(EventType.ROLLOUT_STARTED),
                ]
            )

    def run(
        self,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        after_tick: Callable[[RolloutProjection], None] | None = None,
        started: Callable[[], None] | None = None,
    ) -> ExitCode:
        """Tick until the rollout completes or is aborted (or `should_stop`); hold the lease meanwhile.

        `started` is called once the lease is held, before anything else is written.
        """
        self.lease.acquire(iso(self.clock.now()))
        if started is not None:
            started()
        try:
            self.begin()
            with frozen_heap():
                while not self.finished and not should_stop():
                    self.tick()
                    if after_tick is not None:
                        after_tick(self.projection)
                    if self.finished or should_stop():
                        break
                    time.sleep(WRITER_GAP_SECONDS)
                    self.clock.sleep(self.plan.engine.tick_seconds)
        finally:
            self.lease.release(iso(self.clock.now()))
            self._catch_up()
        return self.exit_code()

    def exit_code(self) -> ExitCode:
        """0 when completed, 3 when aborted."""
        return ExitCode.ABORTED if self.projection.phase == Phase.ABORTED else ExitCode.OK

    def tick(self) -> None:
        """One round: read the provider, record the tick's facts and decisions at once, then act."""
        now = self.clock.now()
        self._catch_up()
        self.lease.renew(iso(now))
        if self.finished:
            return
        try:
            reading = self._read_provider(now)
        except ProviderError as err:
            self._provider_failed(err)
            return
        self._actions = []
        with self.log.transaction():
            self._catch_up()  # whatever others appended before this engine took the write lock
            self._decide(now, reading)
        try:
            for action in self._actions:
                action()
        except ProviderError as err:
            self._reconciled = False  # the next tick re-issues what the log decided
            self._provider_failed(err)
            return
        self._failures = 0

    def _read_provider(self, now: datetime) -> ProviderReading:
        provider = self.provider
        facts = provider.list_hosts()
        signals: Signals | SignalsUnreadableError
        try:
            signals = provider.read_signals(now - timedelta(seconds=self.gate.window_seconds), now)
        except SignalsUnreadableError as err:
            signals = err
        baseline: Signals | SignalsUnreadableError | None = None
        if self.projection.stage in ("planned", "boot", "wait_healthy"):
            try:
                baseline = provider.read_signals(
                    now - timedelta(seconds=self.plan.gate.baseline_seconds), now
                )
            except SignalsUnreadableError as err:
                baseline = err
        return ProviderReading(facts, signals, baseline, provider.take_incidents())

    def _decide(self, now: datetime, reading: ProviderReading) -> None:
        self._answer_commands(now)
        if self.finished or self._too_long(now):
            return
        self._record_incidents(reading.incidents)
        self._observe(now, reading.facts)
        self._read_signals(now, reading.signals)
        if self.projection.phase in (Phase.RUNNING, Phase.BLOCKED):
            self._reconcile()
            self._advance(now, reading.baseline)

    def _act(self, action: Callable[..., object], *args: object) -> None:
        """Carry a decision out once the tick's events are committed."""
        self._actions.append(lambda: action(*args))

    def _too_long(self, now: datetime) -> bool:
        started = self.projection.started_at
        limit = self.plan.engine.max_duration_seconds
        if started is None or (now - parse_iso(started)).total_seconds() <= limit:
            return False
        self.record([self._rollout(EventType.ROLLOUT_ABORTED, reason=f"max duration of {limit:g}s exceeded")])
        return True

    def _provider_failed(self, err: ProviderError) -> None:
        self._record_incidents(self.provider.take_incidents())
        self._failures += 1
        kind = EventType.API_THROTTLED if err.throttled else EventType.PROVIDER_ERROR
        data = {
            "operation": err.operation,
            "detail": err.detail,
            "consecutive_failures": self._failures,
            "retryable": err.retryable,
        }
        self.record([self._rollout(kind, **data)], actor=self._actor)
        limit = self.plan.engine.max_provider_failures
        if not err.retryable or self._failures >= limit:
            raise ProviderFailureError(
                f"provider failed {self._failures} tick(s) in a row, last: {err}; the rollout is left as "
                "the log shows it, resume with `rollout-tui run` once the provider works"
            ) from err

    def _record_incidents(self, incidents: list[Incident]) -> None:
        pending = []
        for incident in incidents:
            kind = (
                EventType.API_THROTTLED
                if incident.kind is IncidentKind.THROTTLED
                else EventType.PROVIDER_ERROR
            )
            data = {"operation": incident.operation, "detail": incident.detail, **incident.data}
            pending.append(self._rollout(kind, **data))
        self.record(pending, actor=self._actor)

    # -- operator commands ---------------------------------------------------------------------------

    def _answer_commands(self, now: datetime) -> None:
        for command in self.projection.pending_commands():
            answer = self._answer(command, now)
            if answer is not None:
                self.record([answer])

    def _answer(self, command: Event, now: datetime) -> Pending | None:
        fold = self.projection
        phase = fold.phase
        by = command.actor
        reason = str(command.data.get("reason") or "")
        seq = command.seq
        suppress_until = iso(now + timedelta(seconds=self.plan.gate.override_seconds))
        closed = fold.gate_state is not GateState.OPEN

        def rejected(why: str) -> Pending:
            return self._rollout(
                EventType.COMMAND_REJECTED, command=command.type, by=by, reason=why, command_seq=seq
            )

        if phase in FINAL_PHASES:
            return rejected(f"rollout is {phase}")
        match command.type:
            case EventType.OPERATOR_PAUSED:
                if not fold.status.can("pause"):
                    return rejected(f"cannot pause while {phase}")
                return self._rollout(
                    EventType.ROLLOUT_PAUSED, reason=reason or "paused", by=by, command_seq=seq
                )
            case EventType.OPERATOR_RESUMED:
                if not fold.status.can("resume"):
                    return rejected(f"cannot resume while {phase}")
                return self._rollout(EventType.ROLLOUT_RESUMED, reason=reason, by=by, command_seq=seq)
            case EventType.OPERATOR_ABORTED:
                return self._rollout(
                    EventType.ROLLOUT_ABORTED, reason=reason or "aborted", by=by, command_seq=seq
                )
            case EventType.OPERATOR_APPROVED:
                if not closed:
                    return rejected("gate is open: nothing to approve")
                return self._gate(
                    EventType.GATE_CLEARED,
                    reason=f"approved by {by}" + (f": {reason}" if reason else ""),
                    approved_by=by,
                    suppress_until=suppress_until,
                    command_seq=seq,
                )
            case EventType.OPERATOR_OVERRODE:
                if not reason.strip():
                    return rejected("an override needs a reason")
                if not closed:
                    return rejected("gate is open: nothing to override")
                return self._gate(
                    EventType.GATE_OVERRIDDEN,
                    reason=f"overridden by {by}: {reason}",
                    by=by,
                    overrode=fold.gate_reason,
                    suppress_until=suppress_until,
                    command_seq=seq,
                )
            case EventType.OPERATOR_STEPPED:
                if self.plan.engine.mode != "manual":
                    return rejected("plan runs in auto mode: no steps to take")
                return None
        return rejected(f"unknown command {command.type}")

    # -- observing -----------------------------------------------------------------------------------

    def _observe(self, now: datetime, listed: list[HostFact]) -> None:
        """Record what the provider's listing says changed for each host.

        A provider keeps a host's fact object until the host changes (the simulator does, and a fact is an
        immutable tuple), so a fact that is the very object listed last tick at the same place says what
        it said then. If the host has not moved in the log since, its check would come out as it did:
        only new facts, hosts moved since, and booting hosts (which wait on a clock) are checked. Finding
        the new facts is a C-level pass over the listing; a listing of other length or order is checked
        whole.
        """
        timeout = timedelta(seconds=self.plan.boot.health_timeout_seconds)
        fold = self.projection
        last, self._listed = self._listed, list(listed)
        touched, self._touched = self._touched, set()
        new = None
        if fold.hosts and len(listed) == len(last):
            new = list(compress(range(len(listed)), map(is_not, listed, last)))
            # A provider that lists fresh objects each time (AWS) is checked whole, which is cheaper.
            if len(new) > len(listed) // 2 or any(listed[i].host_id != last[i].host_id for i in new):
                new = None
        if new is None:
            pending = self._observe_all(now, listed, timeout)
        else:
            pending = self._observe_changes(now, new, touched, timeout)
        self.record(pending, actor=self._actor)

    def _observe_all(self, now: datetime, listed: list[HostFact], timeout: timedelta) -> list[Pending]:
        facts = {fact.host_id: fact for fact in listed}
        self._facts = facts
        self._places = {host_id: place for place, host_id in enumerate(facts)}
        unlisted = self.projection.hosts.keys() - facts.keys()  # a C-level set difference, no loop
        return self._check(facts.values(), unlisted, now, timeout)

    def _observe_changes(
        self, now: datetime, new: list[int], touched: set[str], timeout: timedelta
    ) -> list[Pending]:
        """What `_observe_all` would record, for a listing of the same hosts in the same places."""
        facts, listed, places = self._facts, self._listed, self._places
        for place in new:
            fact = listed[place]
            facts[fact.host_id] = fact
        fold = self.projection
        booting = [h.host_id for fleet in Fleet for h in fold.hosts_in(fleet, HostState.BOOTING)]
        check = {listed[place].host_id for place in new} | touched | set(booting)
        unlisted = {host_id for host_id in check if host_id not in places}
        in_order = sorted(check - unlisted, key=places.__getitem__)
        return self._check([facts[host_id] for host_id in in_order], unlisted, now, timeout)

    def _check(
        self, facts: Iterable[HostFact], unlisted: set[str], now: datetime, timeout: timedelta
    ) -> list[Pending]:
        """What `facts` (in listing order) and the known hosts in `unlisted` (no longer listed) record."""
        fold = self.projection
        first = not fold.hosts
        pending: list[Pending] = []
        hosts, quiet = fold.hosts, QUIET
        for fact in facts:
            host = hosts.get(fact.host_id)
            if host is None:
                pending.extend(self._appeared(fact, first))
            elif (host.state, fact.lifecycle, fact.healthy) not in quiet:
                pending.extend(self._moved(host, fact, now, timeout))
        if unlisted:
            for host in hosts.values():
                if host.host_id in unlisted:
                    pending.extend(self._vanished(host))
        return pending

    def _appeared(self, fact: HostFact, first: bool) -> list[Pending]:
        if fact.lifecycle is Lifecycle.TERMINATED:
            return []
        apps = fact.apps or 0
        serving = fact.lifecycle is Lifecycle.IN_SERVICE
        if fact.fleet == Fleet.NEW and not (first and serving):
            return [self._host(EventType.HOST_BOOTED, fact.host_id, fleet=fact.fleet, apps=apps)]
        state = HostState.HEALTHY if fact.healthy and serving else HostState.UNHEALTHY
        return [self._host(EventType.HOST_DISCOVERED, fact.host_id, fleet=fact.fleet, state=state, apps=apps)]

    def _moved(self, host: Host, fact: HostFact, now: datetime, timeout: timedelta) -> list[Pending]:
        state, hid = host.state, host.host_id
        gone = fact.lifecycle is Lifecycle.TERMINATED
        apps = fact.apps if fact.apps is not None else host.apps
        if state == HostState.BOOTING:
            if gone:
                return [self._host(EventType.HOST_FAILED, hid, reason="terminated while booting")]
            if fact.lifecycle is Lifecycle.IN_SERVICE and fact.healthy:
                return [self._host(EventType.HOST_BECAME_HEALTHY, hid, apps=apps)]
            waited = now - parse_iso(host.since)
            if waited > timeout:
                why = f"not healthy {waited.total_seconds():.0f}s after booting"
                return [self._host(EventType.HOST_FAILED, hid, reason=why)]
        elif state == HostState.HEALTHY:
            if gone:
                return self._vanished(host)
            if not fact.healthy and fact.lifecycle is Lifecycle.IN_SERVICE:
                return [self._host(EventType.HOST_BECAME_UNHEALTHY, hid, reason="health checks failing")]
        elif state == HostState.UNHEALTHY:
            if gone:
                return self._vanished(host)
            if fact.healthy and fact.lifecycle is Lifecycle.IN_SERVICE:
                return [self._host(EventType.HOST_RECOVERED, hid, apps=apps)]
        elif state == HostState.DRAINING:
            if gone:
                return self._vanished(host)
            if fact.lifecycle is Lifecycle.DRAINED:
                return [self._host(EventType.HOST_DRAINED, hid, apps=apps)]
        return []

    def _vanished(self, host: Host) -> list[Pending]:
        hid, why = host.host_id, "terminated outside rollout_tui"
        match host.state:
            case HostState.HEALTHY:
                return [
                    self._host(EventType.HOST_BECAME_UNHEALTHY, hid, reason="host disappeared"),
                    self._host(EventType.HOST_TERMINATED, hid, reason=why),
                ]
            case HostState.UNHEALTHY | HostState.DRAINED | HostState.FAILED:
                if host.state == HostState.DRAINED:
                    return []  # terminating a drained host is the engine's own decision
                return [self._host(EventType.HOST_TERMINATED, hid, reason=why)]
            case HostState.DRAINING:
                return [
                    self._host(EventType.HOST_DRAINED, hid, reason="host disappeared while draining"),
                    self._host(EventType.HOST_TERMINATED, hid, reason=why),
                ]
            case HostState.BOOTING:
                return [self._host(EventType.HOST_FAILED, hid, reason="host disappeared while booting")]
        return []

    def _read_signals(self, now: datetime, signals: Signals | SignalsUnreadableError) -> None:
        fold = self.projection
        pending: list[Pending] = []
        observed: dict[str, Any] = {}
        if isinstance(signals, SignalsUnreadableError):
            err = signals
            pending.append(
                self._gate(EventType.SIGNALS_UNREADABLE, operation=err.operation, detail=err.detail)
            )
            reading = Reading(None, unreadable_reason=err.detail)
        else:
            rate = signals.warnings / signals.minutes
            fingerprints = aggregate(signals.messages)
            reading = Reading(
                rate,
                signals.apps_healthy,
                signals.apps_corrupted,
                tuple(signals.alarms),
                fingerprints,
            )
            apps = None
            if signals.apps_healthy is not None and signals.apps_corrupted is not None:
                apps = {"healthy": signals.apps_healthy, "corrupted": signals.apps_corrupted}
            observed = {
                "window_seconds": self.gate.window_seconds,
                "warnings": signals.warnings,
                "warnings_per_minute": round(rate, 3),
                "fingerprints": fingerprints,
                "alerts": sum(count for _, count in signals.alerts),
                "alert_fingerprints": aggregate(signals.alerts, top=3),
                "apps": apps,
                "alarms": list(signals.alarms),
            }
        baseline = float((fold.baseline or {}).get("baseline_per_minute", 0.0))
        evaluation = evaluate(self.gate, baseline, reading)
        blocked_for = (now - parse_iso(fold.gate_since)).total_seconds() if fold.gate_since else 0.0
        suppressed = fold.gate_suppressed_until is not None and now < parse_iso(fold.gate_suppressed_until)
        decision = decide(
            self.gate,
            fold.gate_state,
            evaluation,
            good_streak=fold.gate_streak,
            blocked_for_seconds=blocked_for,
            suppressed=suppressed,
        )
        if observed:
            pending.append(
                self._gate(
                    EventType.SIGNALS_OBSERVED,
                    **observed,
                    verdict=evaluation.verdict.value,
                    good_streak=decision.good_streak,
                )
            )
        if decision.event is not None:
            reason = evaluation.reason
            if decision.event == EventType.GATE_CLEARED:
                reason = f"{self.gate.clear_after} good readings in a row: {evaluation.reason}"
            elif decision.event == EventType.GATE_HELD and evaluation.verdict.value == "block":
                reason = f"blocked longer than {self.gate.hold_after_seconds:g}s: {evaluation.reason}"
            pending.append(self._gate(decision.event, reason=reason, **evaluation.numbers))
        self.record(pending)

    # -- acting --------------------------------------------------------------------------------------

    def _reconcile(self) -> None:
        """Once per engine: re-issue decided actions the provider has not carried out (after a crash)."""
        if self._reconciled:
            return
        self._reconciled = True
        fold = self.projection
        if fold.new_desired:
            self._act(self.provider.scale_new_fleet, fold.new_desired)
        for host in fold.hosts.values():
            fact = self._facts.get(host.host_id)
            if fact is None:
                continue
            if host.state == HostState.DRAINING and fact.lifecycle is Lifecycle.IN_SERVICE:
                self._act(self.provider.drain, host.host_id)
            elif host.state == HostState.TERMINATED and fact.lifecycle is not Lifecycle.TERMINATED:
                self._act(self.provider.terminate, host.host_id)

    def _advance(self, now: datetime, baseline: Signals | SignalsUnreadableError | None) -> None:
        fold = self.projection
        if fold.stage == "planned":
            self.record([self._rollout(EventType.STAGE_CHANGED, stage="boot")])
        self._handle_failures()
        if fold.stage == "boot":
            self._boot(now)
        if fold.stage == "wait_healthy" and self._new_fleet_ready():
            self._measure_baseline(baseline)
        if fold.stage == "drain":
            self._terminate_drained()
            self._drain_timeouts(now)
            if fold.phase == Phase.RUNNING and fold.gate_state is GateState.OPEN:
                self._drain(now)
            self._maybe_complete(now)

    def _goal(self) -> int:
        return self.plan.fleets.target_size

    def _desired_base(self) -> int:
        fold = self.projection
        if fold.new_desired:
            return fold.new_desired
        return fold.fleet_size(Fleet.NEW, alive=True)

    def _boot(self, now: datetime) -> None:
        base = self._desired_base()
        remaining = self._goal() - base
        if remaining <= 0:
            self.record([self._rollout(EventType.STAGE_CHANGED, stage="wait_healthy")])
            return
        while self._recent_boots and now - self._recent_boots[0][0] >= MINUTE:
            self._recent_boots.popleft()
        recent = sum(count for _, count in self._recent_boots)
        count = min(self.plan.boot.batch, self.plan.boot.per_minute - recent, remaining)
        if count <= 0:
            return
        desired = base + count
        limit = "batch" if count == self.plan.boot.batch else "per_minute" if count < remaining else "target"
        self.record(
            [
                self._rollout(
                    EventType.BOOT_REQUESTED, count=count, desired=desired, target=self._goal(), limit=limit
                )
            ]
        )
        self._act(self.provider.scale_new_fleet, desired)

    def _handle_failures(self) -> None:
        fold = self.projection
        boot = self.plan.boot
        for host in fold.hosts_in(Fleet.NEW, HostState.FAILED):
            if boot.on_failure != "replace" or fold.replacements >= boot.max_replacements:
                continue
            desired = self._desired_base()
            self.record(
                [
                    self._host(EventType.HOST_TERMINATED, host.host_id, reason="failed to boot; replacing"),
                    self._rollout(EventType.BOOT_REQUESTED, count=1, desired=desired, replaces=host.host_id),
                ]
            )
            self._act(self.provider.terminate, host.host_id)
            self._act(self.provider.scale_new_fleet, desired)

    def _new_fleet_ready(self) -> bool:
        counts = self.projection.counts[Fleet.NEW]
        unreplaced = counts[HostState.FAILED]
        return counts[HostState.BOOTING] == 0 and counts[HostState.HEALTHY] >= self._goal() - unreplaced

    def _measure_baseline(self, signals: Signals | SignalsUnreadableError | None) -> None:
        seconds = self.plan.gate.baseline_seconds
        if signals is None:
            return
        if isinstance(signals, SignalsUnreadableError):
            self.record(
                [self._gate(EventType.SIGNALS_UNREADABLE, operation="baseline", detail=signals.detail)]
            )
            return
        rate = signals.warnings / signals.minutes
        self.record(
            [
                self._gate(
                    EventType.BASELINE_MEASURED,
                    baseline_per_minute=round(rate, 3),
                    warnings=signals.warnings,
                    window_seconds=seconds,
                    fingerprints=aggregate(signals.messages),
                ),
                self._rollout(EventType.STAGE_CHANGED, stage="drain"),
            ]
        )

    def _terminate_drained(self) -> None:
        drained = self.projection.hosts_in(Fleet.OLD, HostState.DRAINED)
        if not drained:
            return
        self.record([self._host(EventType.HOST_TERMINATED, h.host_id) for h in drained])
        for host in drained:
            self._act(self.provider.terminate, host.host_id)

    def _drain_timeouts(self, now: datetime) -> None:
        limit = timedelta(seconds=self.plan.drain.timeout_seconds)
        late = [
            h
            for h in self.projection.hosts_in(Fleet.OLD, HostState.DRAINING)
            if now - parse_iso(h.since) > limit
        ]
        self.record(
            [
                self._host(
                    EventType.HOST_DRAINED,
                    h.host_id,
                    forced=True,
                    reason=f"drain timed out after {limit.total_seconds():g}s",
                )
                for h in late
            ]
        )

    def _drain(self, now: datetime) -> None:
        fold = self.projection
        candidates = fold.hosts_in(Fleet.OLD, HostState.HEALTHY, HostState.UNHEALTHY)
        if not candidates:
            return
        step_command = None
        if self.plan.engine.mode == "manual":
            steps = [c for c in fold.pending_commands() if c.type == EventType.OPERATOR_STEPPED]
            if not steps:
                return
            step_command = steps[0]
        while self._recent_drains and now - self._recent_drains[0][0] >= MINUTE:
            self._recent_drains.popleft()
        old_size = fold.fleet_size(Fleet.OLD)
        policy = budget_policy(self.plan, old_size)
        counts = fold.counts
        apps = CandidateApps(candidates, self._apps)
        load = FleetLoad(
            draining=counts[Fleet.OLD][HostState.DRAINING],
            started_last_minute=len(self._recent_drains),
            apps_moved_last_minute=sum(a for _, a in self._recent_drains),
            healthy=counts[Fleet.OLD][HostState.HEALTHY] + counts[Fleet.NEW][HostState.HEALTHY],
            candidate_apps=apps,
        )
        grant = allowance(policy, load)
        budget = grant.as_data(policy)
        if grant.allowed == 0:
            key = (grant.limit, grant.limits.get(grant.limit, 0))
            if key != self._last_deferral:
                self._last_deferral = key
                self.record([self._rollout(EventType.DRAIN_DEFERRED, wanted=len(candidates), **budget)])
            return
        self._last_deferral = None
        batch = candidates[: grant.allowed]
        step = fold.drain_steps + 1
        extra = {"command_seq": step_command.seq} if step_command is not None else {}
        self.record(
            [
                self._host(
                    EventType.DRAIN_STARTED,
                    host.host_id,
                    apps=apps[i],
                    step=step,
                    batch_size=len(batch),
                    first_of_step=i == 0,
                    budget=budget,
                    **(extra if i == 0 else {}),
                )
                for i, host in enumerate(batch)
            ]
        )
        for host in batch:
            self._act(self.provider.drain, host.host_id)

    def _apps(self, host: Host) -> int:
        fact = self._facts.get(host.host_id)
        if fact is not None and fact.apps is not None:
            return fact.apps
        return host.apps

    def _maybe_complete(self, now: datetime) -> None:
        fold = self.projection
        old = fold.counts[Fleet.OLD]
        if any(n for state, n in old.items() if state != HostState.TERMINATED):
            return
        if not self._new_fleet_ready():
            return
        started = parse_iso(fold.started_at) if fold.started_at else now
        self.record(
            [
                self._rollout(EventType.STAGE_CHANGED, stage="done"),
                self._rollout(
                    EventType.ROLLOUT_COMPLETED,
                    duration_seconds=(now - started).total_seconds(),
                    new_healthy=fold.counts[Fleet.NEW][HostState.HEALTHY],
                    old_terminated=old[HostState.TERMINATED],
                ),
            ]
        )
