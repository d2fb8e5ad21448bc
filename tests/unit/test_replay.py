from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout_tui.domain.events import Event
from rollout_tui.domain.host import Fleet, HostState
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.store.log import EventLog, LogFormatError, _rows_to_events
from rollout_tui.store.replay import replay
from tests.factories import random_legal_events


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), hosts=st.integers(1, 40), steps=st.integers(0, 300))
def test_replay_to_every_seq_equals_the_state_built_while_appending(
    seed: int, hosts: int, steps: int
) -> None:
    with EventLog(":memory:") as log:
        live = RolloutProjection()
        states_while_appending = {}
        for new in random_legal_events(seed, hosts, steps):
            live.apply(log.append(new))
            states_while_appending[live.seq] = live.state_dict()
        for seq in range(1, log.last_seq() + 1, max(1, log.last_seq() // 25)):
            assert replay(log, at=seq).state_dict() == states_while_appending[seq]
        assert replay(log).state_dict() == live.state_dict()


def test_replay_at_zero_is_the_empty_rollout() -> None:
    with EventLog(":memory:") as log:
        log.append_batch(list(random_legal_events(1, 5, 20)))
        assert replay(log, at=0).seq == 0
        assert replay(log, at=0).phase == "planned"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    hosts=st.integers(1, 30),
    steps=st.integers(0, 300),
    every=st.integers(1, 60),
)
def test_snapshots_change_nothing_but_speed(seed: int, hosts: int, steps: int, every: int) -> None:
    with EventLog(":memory:") as log:
        live = RolloutProjection()
        for new in random_legal_events(seed, hosts, steps):
            live.apply(log.append(new))
            if live.seq % every == 0:
                log.write_snapshot("r1", live.seq, live.to_snapshot())
        last = log.last_seq()
        for seq in {0, 1, last // 3, last // 2, last}:
            with_snapshots = replay(log, at=seq).state_dict()
            assert with_snapshots == replay(log, at=seq, use_snapshots=False).state_dict()
        assert replay(log).state_dict() == live.state_dict()
        log.conn.execute("DELETE FROM snapshots")
        assert replay(log).state_dict() == live.state_dict()


def test_a_snapshot_of_another_format_is_ignored_not_misread() -> None:
    with EventLog(":memory:") as log:
        live = RolloutProjection()
        for new in random_legal_events(3, 10, 100):
            live.apply(log.append(new))
        stale = live.to_snapshot()
        del stale["last_tick_at"]
        stale["format"] = 1
        log.write_snapshot("r1", live.seq, stale)
        assert replay(log).state_dict() == live.state_dict()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), hosts=st.integers(1, 30), steps=st.integers(0, 200))
def test_a_columnar_snapshot_through_json_gives_back_the_same_fold_at_every_seq(
    seed: int, hosts: int, steps: int
) -> None:
    live = RolloutProjection()
    for seq, new in enumerate(random_legal_events(seed, hosts, steps), start=1):
        live.apply(Event(seq, new.rollout_id, new.stream, seq, new.type, new.at, "now", new.actor, new.data))
        copy = RolloutProjection.from_snapshot(json.loads(json.dumps(live.to_snapshot())))
        assert copy.state_dict() == live.state_dict()
        assert copy.counts == live.counts


def _live(events: int = 100) -> tuple[EventLog, RolloutProjection]:
    log = EventLog(":memory:")
    live = RolloutProjection()
    for new in random_legal_events(3, 10, events):
        live.apply(log.append(new))
    return log, live


def test_a_snapshot_with_one_row_per_host_the_format_before_columns_is_ignored() -> None:
    log, live = _live()
    with log:
        old = live.to_snapshot()
        old["hosts"] = [[h.host_id, h.fleet, h.state, h.since, h.apps] for h in live.hosts.values()]
        for column in ("host_ids", "host_kinds", "host_since", "host_apps"):
            del old[column]
        old["format"] = 2
        log.write_snapshot("r1", live.seq, old)
        assert replay(log).state_dict() == live.state_dict()


def test_a_snapshot_whose_host_columns_do_not_line_up_is_ignored() -> None:
    log, live = _live()
    with log:
        broken = live.to_snapshot()
        broken["host_since"] = broken["host_since"][:-1]
        log.write_snapshot("r1", live.seq, broken)
        assert replay(log).state_dict() == live.state_dict()


def test_a_payload_that_is_not_json_is_reported_with_its_seq_even_within_a_batch() -> None:
    rows = [(1, "r1", "s", 1, "T", "t", "t", "a", '{"a":1}'), (2, "r1", "s", 2, "T", "t", "t", "a", "{nope")]
    with pytest.raises(LogFormatError, match="seq 2: data is not JSON"):
        _rows_to_events(rows)
    assert [e.data for e in _rows_to_events(rows[:1])] == [{"a": 1}]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), hosts=st.integers(1, 30), steps=st.integers(0, 200))
def test_hosts_in_finds_what_a_look_at_every_host_finds_in_the_same_order(
    seed: int, hosts: int, steps: int
) -> None:
    def every_host(fold: RolloutProjection, fleet: str, *states: str) -> list[str]:
        return [h.host_id for h in fold.hosts.values() if h.fleet == fleet and h.state in states]

    asked = [
        (fleet, states)
        for fleet in Fleet
        for states in [*((s,) for s in HostState), ("healthy", "unhealthy")]
    ]
    live = RolloutProjection()
    for seq, new in enumerate(random_legal_events(seed, hosts, steps), start=1):
        live.apply(Event(seq, new.rollout_id, new.stream, seq, new.type, new.at, "now", new.actor, new.data))
        if seq % 7 == 0:
            restored = RolloutProjection.from_snapshot(live.to_snapshot())
            for fold in (live, restored):
                for fleet, states in asked:
                    found = [h.host_id for h in fold.hosts_in(fleet, *states)]
                    assert found == every_host(fold, fleet, *states)
