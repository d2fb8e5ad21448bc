"""The replay cursor and seek parsing, without textual: every way to reach a seq shows the same state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rollout_tui.providers.base import parse_iso
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay
from rollout_tui.tui.replay.cursor import ReplayCursor
from rollout_tui.tui.replay.player import SPEEDS, Player
from rollout_tui.tui.replay.seek import SeekTarget, parse_target
from tests.tui.scenes import RID, T0


def test_stepping_forward_and_back_gives_the_state_replay_gives_at_every_seq(
    scene_db: Callable[[str], Path],
) -> None:
    with EventLog(scene_db("held"), readonly=True) as log:
        expected = {seq: replay(log, RID, at=seq).state_dict() for seq in range(1, log.last_seq() + 1)}
        cursor = ReplayCursor(log, RID)
        cursor.goto(1)
        for seq in range(2, log.last_seq() + 1):
            cursor.step(forward=True)
            assert cursor.feed.fold.state_dict() == expected[seq]
        forward_tail = list(cursor.feed.tail)
        forward_seen = dict(cursor.feed.seen)
        cursor.goto(1)
        cursor.goto(log.last_seq() + 10)  # clamped; rebuilt from the log
        assert list(cursor.feed.tail) == forward_tail
        assert cursor.feed.seen == forward_seen
        for seq in range(log.last_seq() - 1, 0, -1):
            cursor.step(forward=False)
            assert cursor.feed.fold.state_dict() == expected[seq]


def test_decisions_are_found_both_ways_and_seek_by_time_takes_the_last_event_at_or_before(
    scene_db: Callable[[str], Path],
) -> None:
    with EventLog(scene_db("held"), readonly=True) as log:
        cursor = ReplayCursor(log, RID)
        cursor.goto(1)
        found = []
        while (event := cursor.find_decision(forward=True)) is not None:
            found.append(event.type)
            cursor.goto(event.seq)
            assert cursor.at_decision
        assert found[-2:] == ["GateBlocked", "GateHeld"]
        assert "StageChanged" in found and "BootRequested" in found
        assert cursor.seq_at_time(T0 - timedelta(hours=1)) == 1
        at_14 = cursor.seq_at_time(T0 + timedelta(minutes=14, seconds=30))
        assert [e.type for e in log.read(after=at_14 - 1, upto=at_14)] == ["GateBlocked"]


def test_seek_targets() -> None:
    start = datetime(2026, 1, 1, 23, 50, tzinfo=UTC)
    assert parse_target("1234", start) == SeekTarget(seq=1234)
    assert parse_target(" #12 ", start) == SeekTarget(seq=12)
    assert parse_target("seq 7", start) == SeekTarget(seq=7)
    assert parse_target("23:55", start) == SeekTarget(when=start + timedelta(minutes=5))
    assert parse_target("00:10:30", start) == SeekTarget(when=start + timedelta(minutes=20, seconds=30))
    assert parse_target("+0:12:30", start) == SeekTarget(when=start + timedelta(minutes=12, seconds=30))
    assert parse_target("2026-01-02T00:00:00Z", start) == SeekTarget(when=start + timedelta(minutes=10))
    for bad in ("", "soon", "12:75", "25:00", "+x"):
        with pytest.raises(ValueError):
            parse_target(bad, start)


def test_the_player_moves_event_time_by_speed_times_real_time() -> None:
    player = Player(speed=10)
    assert player.advance(1.0) is None
    player.play(T0)
    assert player.advance(3.0) == T0 + timedelta(seconds=30)
    assert player.faster() == 20 and player.slower() == 10
    for _ in SPEEDS:
        player.faster()
    assert player.speed == 100
    player.stop()
    assert player.advance(1.0) is None


def test_reading_in_chunks_plays_to_the_time_asked_and_folds_every_event_once(
    scene_db: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rollout_tui.tui.replay.cursor.CHUNK", 2)
    with EventLog(scene_db("held"), readonly=True) as log:
        events = list(log.read(rollout_id=RID))
        cursor = ReplayCursor(log, RID)
        cursor.goto(cursor.first)
        stop = events[len(events) // 2]
        cursor.forward_until(parse_iso(stop.at))
        assert cursor.seq == max(e.seq for e in events if e.at <= stop.at) > cursor.first + 2
        assert cursor.feed.fold.state_dict() == replay(log, RID, at=cursor.seq).state_dict()
        cursor.goto(events[-1].seq)
        assert cursor.feed.fold.state_dict() == replay(log, RID).state_dict()
