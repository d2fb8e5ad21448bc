from __future__ import annotations

import itertools
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout_tui.domain.events import Event, EventType, NewEvent, host_stream
from rollout_tui.domain.host import Host, HostState
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.engine import engine as engine_module
from rollout_tui.engine.commands import send_command
from rollout_tui.engine.engine import QUIET, Engine
from rollout_tui.engine.plan import Plan, load_plan
from rollout_tui.engine.session import default_clock, plan_provider
from rollout_tui.errors import ExitCode, LeaseHeldError, ProviderFailureError
from rollout_tui.providers.base import HostFact, Lifecycle, ProviderError, SimulatedClock, iso
from rollout_tui.store.log import EventLog
from rollout_tui.store.verify import verify
from tests.engine.fakes import T0, FakeProvider, WallClock, make_plan, sim_clock


def make_engine(
    log: EventLog,
    plan: Plan,
    provider: FakeProvider,
    clock: SimulatedClock,
    *,
    holder: str = "engine-a",
    wall: WallClock | None = None,
) -> Engine:
    return Engine(log, plan, provider, clock, "r1", holder=holder, wall=wall or WallClock())


def events_of(log: EventLog, *types: str) -> list[Event]:
    return [e for e in log.read() if e.type in types]


def run_ticks(engine: Engine, ticks: int) -> None:
    engine.lease.acquire("2026-01-01T00:00:00Z")
    engine.begin()
    for _ in range(ticks):
        if engine.finished:
            return
        engine.tick()
        engine.clock.sleep(engine.plan.engine.tick_seconds)


def run_until(engine: Engine, done: Callable[[], bool], max_ticks: int = 500) -> None:
    engine.lease.acquire("2026-01-01T00:00:00Z")
    engine.begin()
    for _ in range(max_ticks):
        if done():
            return
        engine.tick()
        engine.clock.sleep(engine.plan.engine.tick_seconds)
    raise AssertionError("condition never met")


def test_a_calm_rollout_boots_the_new_fleet_drains_the_old_and_completes() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=6)
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(), provider, clock)
        assert engine.run() == ExitCode.OK
        fold = engine.projection
        assert fold.phase == "completed"
        assert fold.counts["old"]["terminated"] == 6
        assert fold.counts["new"]["healthy"] == 6
        assert verify(log).ok
        assert all(n == 1 for n in provider.drain_calls.values())
        assert len(provider.drain_calls) == 6
        boots = events_of(log, EventType.BOOT_REQUESTED)
        assert [b.data["count"] for b in boots] == [3, 3]
        assert provider.scale_calls == [3, 6]
        assert fold.baseline is not None
        released = events_of(log, EventType.LEASE_RELEASED)
        assert len(released) == 1


def budget_violations(log: EventLog, plan: Plan, old_size: int) -> list[str]:
    """Replay the log and check the drain budget at every seq."""
    fold = RolloutProjection()
    starts: list[datetime] = []
    problems = []
    max_in_flight = plan.drain.max_in_flight.of(old_size)
    min_healthy = plan.drain.min_healthy.of(plan.fleets.target_size)
    for event in log.read():
        fold.apply(event)
        draining = fold.counts["old"]["draining"]
        if draining > max_in_flight:
            problems.append(f"seq {event.seq}: {draining} draining > {max_in_flight}")
        if event.type == EventType.DRAIN_STARTED:
            at = datetime.fromisoformat(event.at.replace("Z", "+00:00"))
            starts.append(at)
            recent = [t for t in starts if at - t < timedelta(seconds=60)]
            if len(recent) > plan.drain.per_minute:
                problems.append(f"seq {event.seq}: {len(recent)} drains in a minute")
            healthy = fold.counts["old"]["healthy"] + fold.counts["new"]["healthy"]
            if healthy < min_healthy:
                problems.append(f"seq {event.seq}: {healthy} healthy < {min_healthy}")
    return problems


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    old_size=st.integers(1, 25),
    max_in_flight=st.integers(1, 6),
    per_minute=st.integers(1, 6),
    boot=st.tuples(st.floats(1, 300), st.floats(1, 300)).map(sorted),
    drain=st.tuples(st.floats(1, 400), st.floats(1, 400)).map(sorted),
    flaky=st.sampled_from([0.0, 0.0, 0.05]),
)
def test_the_drain_budget_is_never_exceeded_at_any_seq(
    seed: int,
    old_size: int,
    max_in_flight: int,
    per_minute: int,
    boot: list[float],
    drain: list[float],
    flaky: float,
) -> None:
    clock = sim_clock()
    provider = FakeProvider(
        clock,
        old_size=old_size,
        seed=seed,
        boot_seconds=(boot[0], boot[1]),
        drain_seconds=(drain[0], drain[1]),
        flaky_health=flaky,
    )
    plan = make_plan(target=old_size, max_in_flight=max_in_flight, per_minute=per_minute, min_healthy="50%")
    with EventLog(":memory:") as log:
        engine = make_engine(log, plan, provider, clock)
        run_ticks(engine, 400)
        assert budget_violations(log, plan, old_size) == []
        assert verify(log).ok
        assert all(n == 1 for n in provider.drain_calls.values())
        if flaky == 0.0:
            assert engine.projection.phase == "completed"


def test_drain_deferral_names_the_tightest_limit() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=6, drain_seconds=(600, 600))
    with EventLog(":memory:") as log:
        run_ticks(make_engine(log, make_plan(max_in_flight=2, per_minute=5), provider, clock), 40)
        deferred = events_of(log, EventType.DRAIN_DEFERRED)
        assert deferred, "a budget refusal is recorded"
        assert deferred[0].data["limit"] == "max_in_flight"
        assert deferred[0].data["policy"]["max_in_flight"] == 2
        started = events_of(log, EventType.DRAIN_STARTED)
        assert started[0].data["budget"]["limit"] == "max_in_flight"


def spike(start_minute: float, end_minute: float, rate: float = 200.0):
    def warning_rate(moment: datetime) -> float:
        minutes = (moment - T0).total_seconds() / 60
        return rate if start_minute <= minutes < end_minute else 1.0

    return warning_rate


def test_a_spike_blocks_the_gate_within_one_tick_and_no_drain_starts_while_blocked() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=10, warning_rate=spike(4, 12), drain_seconds=(90, 90))
    plan = make_plan(target=10, max_in_flight=2, per_minute=2)
    with EventLog(":memory:") as log:
        engine = make_engine(log, plan, provider, clock)
        run_ticks(engine, 400)
        assert engine.projection.phase == "completed"
        blocked = events_of(log, EventType.GATE_BLOCKED)
        cleared = events_of(log, EventType.GATE_CLEARED)
        assert len(blocked) == 1 and len(cleared) == 1
        block_at = datetime.fromisoformat(blocked[0].at.replace("Z", "+00:00"))
        spike_at = T0 + timedelta(minutes=4)
        assert block_at - spike_at <= timedelta(seconds=plan.engine.tick_seconds)
        data = blocked[0].data
        for key in ("rate_per_minute", "baseline_per_minute", "threshold_per_minute", "window_seconds"):
            assert key in data
        assert data["rate_per_minute"] > data["threshold_per_minute"]
        assert data["fingerprints"][0][0] == "node_modules allocation failed for app <id>"
        drains_while_blocked = [
            e for e in events_of(log, EventType.DRAIN_STARTED) if blocked[0].seq < e.seq < cleared[0].seq
        ]
        assert drains_while_blocked == []
        assert "good readings in a row" in cleared[0].data["reason"]


def test_hysteresis_keeps_a_flapping_signal_from_opening_and_closing_the_gate_each_tick() -> None:
    def flapping(moment: datetime) -> float:
        minute = int((moment - T0).total_seconds() // 60)
        return 300.0 if 3 <= minute < 60 and minute % 2 == 0 else 0.0

    clock = sim_clock()
    provider = FakeProvider(clock, old_size=10, warning_rate=flapping, drain_seconds=(300, 300))
    with EventLog(":memory:") as log:
        run_ticks(make_engine(log, make_plan(target=10), provider, clock), 400)
        gate_moves = events_of(log, EventType.GATE_BLOCKED, EventType.GATE_CLEARED)
        readings = events_of(log, EventType.SIGNALS_OBSERVED)
        verdicts = [e.data["verdict"] for e in readings]
        flips = sum(1 for a, b in itertools.pairwise(verdicts) if a != b)
        assert flips > 20, "the signal really flaps"
        assert len(gate_moves) <= 4


def test_unreadable_signals_block_the_gate() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=4)
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(target=4, max_in_flight=1), provider, clock)
        run_until(engine, lambda: engine.projection.stage == "drain")
        provider.unreadable = True
        run_ticks(engine, 1)
        assert engine.projection.gate_state == "blocked"
        assert "signals unreadable" in (engine.projection.gate_reason or "")
        drains_before = len(provider.drain_calls)
        run_ticks(engine, 10)
        assert len(provider.drain_calls) == drains_before


def test_operator_commands_from_another_process_are_obeyed_within_one_tick(tmp_path: Path) -> None:
    db = tmp_path / "rollout.db"
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=8, drain_seconds=(120, 120))
    with EventLog(db) as log:
        engine = make_engine(log, make_plan(target=8, max_in_flight=1, per_minute=1), provider, clock)
        run_ticks(engine, 20)

        def cli(*args: str) -> None:
            done = subprocess.run(
                [sys.executable, "-m", "rollout_tui", *args, "--db", str(db)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr

        cli("pause", "--reason", "checking dashboards")
        run_ticks(engine, 1)
        assert engine.projection.phase == "paused"
        paused = events_of(log, EventType.ROLLOUT_PAUSED)[0]
        assert paused.data["reason"] == "checking dashboards"
        assert paused.data["by"].startswith("operator:")
        drains = len(provider.drain_calls)
        run_ticks(engine, 10)
        assert len(provider.drain_calls) == drains, "no drain while paused"
        cli("resume")
        run_ticks(engine, 1)
        assert engine.projection.phase == "running"
        cli("abort", "--reason", "wrong image")
        engine.tick()
        assert engine.projection.phase == "aborted"
        assert engine.exit_code() == ExitCode.ABORTED


def test_a_second_engine_exits_with_the_lease_held_naming_the_holder() -> None:
    clock = sim_clock()
    wall = WallClock()
    with EventLog(":memory:") as log:
        first = make_engine(log, make_plan(), FakeProvider(clock), clock, wall=wall)
        run_ticks(first, 3)
        second = make_engine(log, make_plan(), FakeProvider(clock), clock, holder="engine-b", wall=wall)
        with pytest.raises(LeaseHeldError, match="driven by engine-a") as caught:
            second.lease.acquire("2026-01-01T00:00:00Z")
        assert caught.value.code == ExitCode.LEASE_HELD


def test_after_a_crash_a_new_engine_takes_the_expired_lease_and_repeats_no_drain_or_boot() -> None:
    clock = sim_clock()
    wall = WallClock()
    provider = FakeProvider(clock, old_size=10, drain_seconds=(90, 200), seed=3)
    plan = make_plan(target=10, max_in_flight=3, per_minute=3)
    with EventLog(":memory:") as log:
        first = make_engine(log, plan, provider, clock, wall=wall)
        run_ticks(first, 25)
        assert first.projection.counts["old"]["draining"] > 0, "crash mid-drain"
        # the first engine dies without releasing its lease; the lease expires
        wall.advance(plan.engine.lease_seconds + 1)
        second = make_engine(log, plan, provider, clock, holder="engine-b", wall=wall)
        assert second.projection.state_dict() == first.projection.state_dict()
        assert second.run() == ExitCode.OK
        drains = Counter(e.data["host_id"] for e in events_of(log, EventType.DRAIN_STARTED))
        assert set(drains.values()) == {1}
        assert sum(e.data["count"] for e in events_of(log, EventType.BOOT_REQUESTED)) == 10
        assert verify(log).ok
        holders = [e.data["holder"] for e in events_of(log, EventType.LEASE_ACQUIRED)]
        assert holders == ["engine-a", "engine-b"]


def test_a_renewal_after_the_lease_was_taken_over_stops_the_old_engine() -> None:
    clock = sim_clock()
    wall = WallClock()
    plan = make_plan()
    with EventLog(":memory:") as log:
        first = make_engine(log, plan, FakeProvider(clock), clock, wall=wall)
        run_ticks(first, 2)
        wall.advance(plan.engine.lease_seconds + 1)
        second = make_engine(log, plan, FakeProvider(clock), clock, holder="engine-b", wall=wall)
        second.lease.acquire("2026-01-01T00:00:00Z")
        with pytest.raises(LeaseHeldError, match="lost the lease"):
            first.tick()


def test_manual_mode_drains_one_step_per_operator_step() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=6)
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(mode="manual", max_in_flight=2), provider, clock)
        run_until(engine, lambda: engine.projection.stage == "drain")
        run_ticks(engine, 5)
        assert provider.drain_calls == {}
        send_command(log, "step", actor="operator:test@host")
        run_ticks(engine, 1)
        assert len(provider.drain_calls) == 2
        run_ticks(engine, 10)
        assert len(provider.drain_calls) == 2
        step = events_of(log, EventType.DRAIN_STARTED)[0]
        assert step.data["command_seq"] == events_of(log, EventType.OPERATOR_STEPPED)[0].seq


def test_override_opens_a_blocked_gate_with_the_reason_recorded_and_approve_clears_a_hold() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=6, warning_rate=spike(3, 400))
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(max_in_flight=1, per_minute=1), provider, clock)
        run_until(engine, lambda: engine.projection.gate_state == "blocked")
        with pytest.raises(Exception, match="needs --reason"):
            send_command(log, "override", actor="operator:test@host")
        send_command(log, "override", reason="known noisy app", actor="operator:test@host")
        run_ticks(engine, 1)
        overridden = events_of(log, EventType.GATE_OVERRIDDEN)[0]
        assert overridden.data["reason"] == "overridden by operator:test@host: known noisy app"
        assert engine.projection.gate_state == "open"
        drains = len(provider.drain_calls)
        run_ticks(engine, 2)
        assert len(provider.drain_calls) > drains, "drains go on while the override is in force"
        send_command(log, "approve", actor="operator:test@host")
        run_ticks(engine, 1)
        rejected = events_of(log, EventType.COMMAND_REJECTED)[-1]
        assert rejected.data["reason"] == "gate is open: nothing to approve"


def test_provider_failures_are_recorded_and_exhausted_retries_exit_4() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock)
    provider.fail_next = [ProviderError("DescribeAutoScalingGroups", "Rate exceeded", throttled=True)] + [
        ProviderError("DescribeAutoScalingGroups", "503 Service Unavailable")
    ] * 5
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(), provider, clock)
        with pytest.raises(ProviderFailureError) as caught:
            run_ticks(engine, 10)
        assert caught.value.code == ExitCode.PROVIDER_FAILURE
        assert len(events_of(log, EventType.API_THROTTLED)) == 1
        assert len(events_of(log, EventType.PROVIDER_ERROR)) == 4
        assert verify(log).ok


def test_quiet_hosts_are_exactly_those_whose_facts_record_nothing() -> None:
    """The tick skips (state, lifecycle, healthy) in `QUIET` without looking closer: it must agree with
    `_moved` on every combination (booting hosts are never skipped: they also wait on a timeout)."""
    clock = sim_clock()
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(), FakeProvider(clock, old_size=1), clock)
        timeout = timedelta(seconds=engine.plan.boot.health_timeout_seconds)
        combinations = list(itertools.product(HostState, Lifecycle, (False, True)))
        for state, lifecycle, healthy in combinations:
            host = Host("i-1", "old", state, "2026-01-01T00:00:00Z", 10)
            fact = HostFact("i-1", "old", lifecycle, healthy, 10)
            records = engine._moved(host, fact, T0, timeout)
            if state == HostState.BOOTING:
                assert (state, lifecycle, healthy) not in QUIET
            else:
                assert ((state, lifecycle, healthy) in QUIET) == (not records), (state, lifecycle, healthy)
        assert 0 < len(QUIET) < len(combinations)


class ObservingEveryHost(Engine):
    """An engine that checks every listed host on every tick, never only the changed ones."""

    def _observe(self, now: datetime, listed: list[HostFact]) -> None:
        self._listed = []  # nothing to compare with: the whole listing is checked
        super()._observe(now, listed)


def _recorded(engine: Engine) -> list[tuple[object, ...]]:
    """What an engine recorded, without the lease (its expiry is wall-clock time)."""
    return [(e.type, e.stream, e.at, e.data) for e in engine.log.read() if e.stream != "lease"]


def test_checking_only_changed_hosts_records_what_checking_every_host_records_in_the_outage() -> None:
    plan = load_plan("outage-guarded")
    logs = []
    for engine_class in (Engine, ObservingEveryHost):
        clock = default_clock(plan)
        with EventLog(":memory:") as log:
            engine = engine_class(log, plan, plan_provider(plan, clock), clock, "r1", holder="t")
            assert engine.run() == ExitCode.OK
            logs.append(_recorded(engine))
    assert logs[0] == logs[1]
    assert len(logs[0]) > 1000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    flaky=st.sampled_from([0.0, 0.05, 0.3]),
    slow_boots=st.booleans(),
    vanish_at=st.one_of(st.none(), st.integers(1, 60)),
)
def test_checking_only_changed_hosts_records_what_checking_every_host_records(
    seed: int, flaky: float, slow_boots: bool, vanish_at: int | None
) -> None:
    """Flapping health, boots that time out (booting hosts wait on the clock), drains of every length, and
    hosts no longer listed at all."""
    logs = []
    for engine_class in (Engine, ObservingEveryHost):
        clock = sim_clock()
        provider = FakeProvider(
            clock,
            old_size=8,
            seed=seed,
            flaky_health=flaky,
            boot_seconds=(30, 900) if slow_boots else (30, 90),
            drain_seconds=(10, 300),
        )
        with EventLog(":memory:") as log:
            engine = engine_class(
                log, make_plan(target=8), provider, clock, "r1", holder="t", wall=WallClock()
            )
            run_ticks(engine, vanish_at or 120)
            if vanish_at is not None:
                for host_id in list(provider.hosts)[-3:]:  # the newest: booting, or serving
                    provider.vanish(host_id)
                for _ in range(120 - vanish_at):
                    engine.tick()
                    clock.sleep(engine.plan.engine.tick_seconds)
            logs.append(_recorded(engine))
    assert logs[0] == logs[1]


def test_a_host_moved_in_the_log_by_another_writer_is_checked_again_though_its_fact_is_unchanged() -> None:
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=4)
    with EventLog(":memory:") as log:
        engine = make_engine(log, make_plan(target=4), provider, clock)
        run_ticks(engine, 3)
        host = engine.projection.hosts_in("old", HostState.HEALTHY)[0].host_id
        log.append(
            NewEvent(
                "r1",
                host_stream(host),
                EventType.HOST_BECAME_UNHEALTHY,
                iso(clock.now()),
                "test",
                {
                    "host_id": host,
                    "reason": "marked by hand",
                },
            )
        )
        engine.tick()
        recovered = [e for e in events_of(log, EventType.HOST_RECOVERED) if e.data["host_id"] == host]
        assert len(recovered) == 1


def test_an_engine_restarted_often_still_writes_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each run records fewer events than `SNAPSHOT_EVERY`, but together they record more."""
    monkeypatch.setattr(engine_module, "SNAPSHOT_EVERY", 30)
    clock = sim_clock()
    provider = FakeProvider(clock, old_size=6)
    with EventLog(":memory:") as log:
        for holder in "abcdefgh":
            engine = make_engine(log, make_plan(), provider, clock, holder=holder)
            before = log.last_seq()
            run_ticks(engine, 3)
            engine.lease.release(iso(clock.now()))
            assert log.last_seq() - before < 30
        assert log.last_seq() > 60
        assert log.newest_snapshot_seq("r1") > 0
