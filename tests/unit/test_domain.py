from __future__ import annotations

import subprocess
import sys

import pytest

from rollout_tui.domain.events import Event, EventType
from rollout_tui.domain.host import (
    HOST_MACHINE,
    Host,
    HostState,
    IllegalTransitionError,
    can_fire,
    fire,
    fire_with_machine,
)
from rollout_tui.domain.projection import GateState, ReplayError, RolloutProjection
from rollout_tui.domain.rollout import Phase, RolloutStatus


def ev(seq: int, type_: str, **data: object) -> Event:
    stream = f"host:{data['host_id']}" if "host_id" in data else "rollout:r1"
    return Event(seq, "r1", stream, seq, type_, f"2026-01-01T00:00:{seq:02d}Z", "now", "engine", dict(data))


def started() -> RolloutProjection:
    fold = RolloutProjection("r1")
    fold.apply(ev(1, EventType.ROLLOUT_PLANNED, plan={"name": "t"}))
    fold.apply(ev(2, EventType.ROLLOUT_STARTED))
    return fold


def test_a_host_walks_booting_healthy_draining_drained_terminated() -> None:
    host = Host("i-1", "new", HostState.BOOTING, "t0")
    for trigger, state in [
        ("become_healthy", "healthy"),
        ("start_drain", "draining"),
        ("finish_drain", "drained"),
        ("terminate", "terminated"),
    ]:
        fire(host, trigger)
        assert host.state == state


def test_an_illegal_host_transition_is_refused_and_leaves_the_host_alone() -> None:
    host = Host("i-1", "new", HostState.BOOTING, "t0")
    with pytest.raises(IllegalTransitionError, match="i-1 cannot start drain from booting"):
        fire(host, "start_drain")
    assert host.state == "booting"
    assert not can_fire("booting", "start_drain")
    assert can_fire("unhealthy", "start_drain")


def test_the_compiled_table_agrees_with_the_machine_on_every_state_and_trigger() -> None:
    for state in HostState:
        for trigger in HOST_MACHINE.events:
            by_table, by_machine = Host("i-1", "new", state, "t0"), Host("i-1", "new", state, "t0")
            outcomes = []
            for host, move in ((by_table, fire), (by_machine, fire_with_machine)):
                try:
                    move(host, trigger)
                    outcomes.append(host.state)
                except IllegalTransitionError:
                    outcomes.append("illegal")
            assert outcomes[0] == outcomes[1], (state, trigger)


def test_host_machine_is_shared_and_has_no_auto_transitions() -> None:
    assert HOST_MACHINE.models == []
    assert not any(name.startswith("to_") for name in HOST_MACHINE.events)


def test_rollout_pauses_blocks_and_completes_only_along_its_machine() -> None:
    status = RolloutStatus()
    with pytest.raises(IllegalTransitionError):
        status.fire("pause")
    for trigger, phase in [
        ("start", "running"),
        ("block", "blocked"),
        ("pause", "paused"),
        ("resume", "running"),
    ]:
        status.fire(trigger)
        assert status.state == phase
    status.fire("complete")
    with pytest.raises(IllegalTransitionError):
        status.fire("abort")


def test_projection_counts_hosts_per_fleet_and_state() -> None:
    fold = started()
    fold.apply(ev(3, EventType.HOST_DISCOVERED, host_id="i-old", fleet="old", apps=30))
    fold.apply(ev(4, EventType.HOST_BOOTED, host_id="i-new", fleet="new"))
    fold.apply(ev(5, EventType.HOST_BECAME_HEALTHY, host_id="i-new"))
    fold.apply(ev(6, EventType.DRAIN_STARTED, host_id="i-old"))
    status = fold.status_json()
    assert status["fleets"]["old"]["draining"] == 1
    assert status["fleets"]["new"]["healthy"] == 1
    assert sum(status["fleets"]["old"].values()) == 1
    assert status["seq"] == 6
    assert fold.hosts["i-old"].apps == 30


def test_an_illegal_transition_in_a_log_is_reported_with_its_seq() -> None:
    fold = started()
    fold.apply(ev(3, EventType.HOST_BOOTED, host_id="i-1", fleet="new"))
    with pytest.raises(ReplayError) as caught:
        fold.apply(ev(4, EventType.HOST_DRAINED, host_id="i-1"))
    assert caught.value.seq == 4
    assert "cannot finish drain from booting" in str(caught.value)
    assert fold.hosts["i-1"].state == "booting"
    assert fold.seq == 3


def test_events_for_unknown_hosts_are_illegal() -> None:
    with pytest.raises(ReplayError, match="unknown host i-9"):
        started().apply(ev(3, EventType.DRAIN_STARTED, host_id="i-9"))


def test_unknown_event_types_are_skipped_and_counted() -> None:
    fold = started()
    fold.apply(ev(3, "HostTeleported", host_id="i-1"))
    assert fold.skipped == {"HostTeleported": 1}
    assert fold.seq == 3


def test_gate_block_and_clear_move_the_rollout_and_keep_the_reason() -> None:
    fold = started()
    fold.apply(ev(3, EventType.GATE_BLOCKED, reason="42.0/min > 10.0/min"))
    assert fold.phase == Phase.BLOCKED
    assert fold.status_json()["gate"] == {"state": "blocked", "reason": "42.0/min > 10.0/min"}
    fold.apply(ev(4, EventType.ROLLOUT_PAUSED, reason="looking", command_seq=4))
    fold.apply(ev(5, EventType.ROLLOUT_RESUMED, command_seq=5))
    assert fold.phase == Phase.BLOCKED, "resuming does not open a blocked gate"
    fold.apply(ev(6, EventType.GATE_CLEARED))
    assert fold.phase == Phase.RUNNING
    assert fold.gate_state is GateState.OPEN
    assert fold.handled_commands == {4, 5}


def test_the_domain_imports_no_ui_cloud_or_database_library() -> None:
    code = (
        "import sys, rollout_tui.domain.projection, rollout_tui.domain.events, rollout_tui.domain.host;"
        "bad = {'textual', 'boto3', 'botocore', 'sqlite3', 'sqlite_utils'} & set(sys.modules);"
        "print(sorted(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
