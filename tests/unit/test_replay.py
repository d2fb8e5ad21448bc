from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout_tui.domain.events import Event, EventType, NewEvent
from rollout_tui.domain.host import Fleet, HostState
from rollout_tui.domain.projection import HOST_COLUMNS, ReplayError, RolloutProjection, _checksum
from rollout_tui.store.log import EventLog, LogFormatError, _rows_to_events
from rollout_tui.store.replay import replay
from tests.factories import host_event, planned, random_legal_events


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


def _numbered(events: list[NewEvent]) -> list[Event]:
    """`events` as the log would hand them back, numbered from seq 1."""
    return [
        Event(seq, e.rollout_id, e.stream, seq, e.type, e.at, "now", e.actor, e.data)
        for seq, e in enumerate(events, start=1)
    ]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), hosts=st.integers(1, 30), steps=st.integers(0, 200))
def test_a_columnar_snapshot_through_json_gives_back_the_same_fold_at_every_seq(
    seed: int, hosts: int, steps: int
) -> None:
    live = RolloutProjection()
    for event in _numbered(list(random_legal_events(seed, hosts, steps))):
        live.apply(event)
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
        broken["host_since"] = broken["host_since"][:-1]  # one cell a character short
        log.write_snapshot("r1", live.seq, broken)
        assert replay(log).state_dict() == live.state_dict()


def _resealed(snapshot: dict[str, Any]) -> dict[str, Any]:
    """`snapshot` with its host checksum made to match its columns again, as a writer bug would leave it."""
    return {**snapshot, "host_checksum": _checksum([snapshot[name] for name in HOST_COLUMNS])}


@pytest.mark.parametrize(
    ("column", "damage"),
    [
        ("host_kinds", lambda text: "z" + text[1:]),
        ("host_apps", lambda text: text[:-1] + "x"),
        ("host_order", lambda text: text[-len(text) // 10 :] * 10),
        ("host_ids", lambda text: text.replace("i-0", "i-9", 1)),
    ],
)
def test_a_snapshot_damaged_after_it_was_written_is_ignored_whole(
    column: str, damage: Callable[[str], str]
) -> None:
    log, live = _live()
    with log:
        broken = live.to_snapshot()
        broken[column] = damage(broken[column])
        log.write_snapshot("r1", live.seq, broken)
        with pytest.raises(ValueError, match="checksum"):
            RolloutProjection.from_snapshot(broken)
        assert replay(log).state_dict() == live.state_dict()


def test_a_snapshot_with_a_host_kind_it_does_not_know_is_ignored() -> None:
    log, live = _live()
    with log:
        snapshot = live.to_snapshot()
        broken = _resealed({**snapshot, "host_kinds": "z" + snapshot["host_kinds"][1:]})
        log.write_snapshot("r1", live.seq, broken)
        with pytest.raises(ValueError, match="unknown letter"):
            RolloutProjection.from_snapshot(broken)
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
    for event in _numbered(list(random_legal_events(seed, hosts, steps))):
        live.apply(event)
        if event.seq % 7 == 0:
            restored = RolloutProjection.from_snapshot(live.to_snapshot())
            for fold in (live, restored):
                for fleet, states in asked:
                    found = [h.host_id for h in fold.hosts_in(fleet, *states)]
                    assert found == every_host(fold, fleet, *states)


def _late_hosts(seed: int, hosts: int, steps: int) -> list[Event]:
    """The random walk, then three hosts booted and become healthy after it."""
    events = list(random_legal_events(seed, hosts, steps))
    for i in range(3):
        events.append(host_event("r1", EventType.HOST_BOOTED, f"i-late{i}", 99, fleet="new"))
        events.append(host_event("r1", EventType.HOST_BECAME_HEALTHY, f"i-late{i}", 99, apps=i))
    return _numbered(events)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    hosts=st.integers(1, 20),
    steps=st.integers(0, 120),
    cut=st.floats(0, 1),
    ask=st.floats(0, 1),
)
def test_hosts_left_in_snapshot_columns_are_the_hosts_folded_whenever_they_are_asked_for(
    seed: int, hosts: int, steps: int, cut: float, ask: float
) -> None:
    """A fold from a snapshot builds its hosts lazily; asking for them at any point changes nothing."""
    events = _late_hosts(seed, hosts, steps)
    split = int(cut * len(events))
    live = RolloutProjection().apply_all(events[:split])
    restored = RolloutProjection.from_snapshot(json.loads(json.dumps(live.to_snapshot())))
    assert restored.counts == live.counts
    rest = events[split:]
    asked = int(ask * len(rest))
    live.apply_all(rest[:asked])
    restored.apply_all(rest[:asked])
    assert list(restored.hosts) == list(live.hosts)
    live.apply_all(rest[asked:])
    restored.apply_all(rest[asked:])
    assert list(restored.hosts) == list(live.hosts)
    assert restored.state_dict() == live.state_dict()
    assert [h.host_id for h in restored.hosts_in("new", "healthy")] == [
        h.host_id for h in live.hosts_in("new", "healthy")
    ]


def test_a_snapshot_host_moved_before_the_hosts_are_asked_for_keeps_its_move_and_place() -> None:
    events = _late_hosts(1, 4, 0)
    booted = next(e.seq for e in events if e.data.get("host_id") == "i-late0")
    failed = host_event("r1", EventType.HOST_FAILED, "i-00000", 99)
    events = _numbered([*events[: booted - 1], failed, *events[booted - 1 :]])
    live = RolloutProjection().apply_all(events[: booted - 1])
    restored = RolloutProjection.from_snapshot(live.to_snapshot())
    restored.apply_all(events[booted - 1 :])
    assert restored._unbuilt is not None  # nothing has asked for every host yet
    assert list(restored.hosts) == [
        "i-00000",
        "i-00001",
        "i-00002",
        "i-00003",
        "i-late0",
        "i-late1",
        "i-late2",
    ]
    assert restored.hosts["i-00000"].state == "failed"
    assert restored.state_dict() == RolloutProjection().apply_all(events).state_dict()


def test_a_host_created_twice_across_a_snapshot_is_refused() -> None:
    events = _numbered(list(random_legal_events(2, 3, 0)))
    restored = RolloutProjection.from_snapshot(RolloutProjection().apply_all(events).to_snapshot())
    again = host_event("r1", EventType.HOST_BOOTED, "i-00000", 5, fleet="new")
    with pytest.raises(ReplayError, match="already exists"):
        restored.apply(_numbered([*events, again])[-1])


def test_a_host_id_with_a_line_break_is_not_kept_in_a_snapshot() -> None:
    events = _numbered([*planned(), host_event("r1", EventType.HOST_BOOTED, "i-a\nb", 0, fleet="new")])
    with pytest.raises(ValueError, match="line break"):
        RolloutProjection().apply_all(events).to_snapshot()


def test_a_snapshot_the_events_after_it_do_not_fit_is_passed_over() -> None:
    booted = host_event("r1", EventType.HOST_BOOTED, "i-a", 0, fleet="new")
    healthy = host_event("r1", EventType.HOST_BECAME_HEALTHY, "i-a", 1, apps=3)
    with EventLog(":memory:") as log:
        for new in [*planned(), booted, healthy]:
            log.append(new)
        before = replay(log, at=3).to_snapshot()
        wrong = _resealed({**before, "host_kinds": before["host_kinds"].replace("H", "N")})  # terminated
        with pytest.raises(ReplayError, match="seq 4"):
            RolloutProjection.from_snapshot(wrong).apply_all(log.read(after=3))
        log.write_snapshot("r1", 3, wrong)
        assert replay(log).state_dict() == replay(log, use_snapshots=False).state_dict()


def test_snapshots_written_often_are_thinned_to_the_first_of_each_stretch_and_the_newest() -> None:
    log, _ = _live(400)
    with log:
        assert log.last_seq() >= 90
        log.write_snapshot("r1", 2, {"format": 3, "hosts": []})  # from an older version
        for seq in range(5, 91, 5):
            log.write_snapshot(
                "r1", seq, replay(log, at=seq, use_snapshots=False).to_snapshot(), thin_within=40
            )
        kept = [row[0] for row in log.conn.execute("SELECT seq FROM snapshots ORDER BY seq")]
        assert kept == [5, 40, 80, 90]
        columns = {row[0] for row in log.conn.execute("SELECT DISTINCT seq FROM snapshot_columns")}
        assert columns == set(kept)
        for seq in (34, 39, 77, 90, log.last_seq()):
            assert replay(log, at=seq).state_dict() == replay(log, at=seq, use_snapshots=False).state_dict()
