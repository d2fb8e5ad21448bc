"""The live feed: events handed over by the in-process engine fold in without reading the log again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytest import MonkeyPatch

from rollout_tui.domain.events import EventType, NewEvent, host_stream
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay
from rollout_tui.tui.feed import LiveFeed
from tests.factories import run_builtin_plan
from tests.tui.scenes import RID, Scene, at


def fleet(path: Path) -> Scene:
    """Six healthy old hosts in a started rollout."""
    scene = Scene(path, old=6)
    scene.rollout(0, EventType.ROLLOUT_PLANNED, plan=scene.plan.as_data(), provider={})
    scene.rollout(0, EventType.ROLLOUT_STARTED)
    scene.hosts(0, EventType.HOST_DISCOVERED, scene.old, fleet="old", state="healthy", apps=40)
    return scene


def _host_events(type_: str, minute: float, hosts: list[str]) -> list[NewEvent]:
    return [NewEvent(RID, host_stream(h), type_, at(minute), "engine", {"host_id": h}) for h in hosts]


def _drains(scene: Scene, minute: float) -> list[NewEvent]:
    return _host_events(EventType.DRAIN_STARTED, minute, scene.old[:3])


@contextmanager
def reading(path: Path) -> Iterator[tuple[LiveFeed, EventLog]]:
    """A feed that has pulled the whole log, and the reader it pulled through (open while inside)."""
    feed = LiveFeed(RID)
    with EventLog(path, readonly=True) as reader:
        feed.pull(reader)
        yield feed, reader


def pulled(path: Path) -> LiveFeed:
    """A feed that has pulled the whole log."""
    with reading(path) as (feed, _):
        return feed


def test_handed_over_events_fold_in_without_a_read(tmp_path: Path) -> None:
    scene = fleet(tmp_path / "log.db")
    feed = pulled(tmp_path / "log.db")
    before = feed.fold.seq
    handed = scene.log.append_batch(_drains(scene, 9))
    closed = EventLog(tmp_path / "log.db", readonly=True)
    closed.close()  # any read through it would raise

    batch = feed.take(before, handed, closed)

    assert batch.events == 3 and batch.hosts == set(scene.old[:3])
    assert feed.fold.seq == handed[-1].seq
    assert feed.fold.state_dict() == pulled(tmp_path / "log.db").fold.state_dict()
    scene.close()


def test_events_already_read_are_skipped(tmp_path: Path) -> None:
    scene = fleet(tmp_path / "log.db")
    with reading(tmp_path / "log.db") as (feed, reader):
        before = feed.fold.seq
        handed = scene.log.append_batch(_drains(scene, 9))
        feed.pull(reader)  # the timer's poll got there first
        batch = feed.take(before, handed, reader)
    assert batch.events == 0
    assert feed.fold.seq == handed[-1].seq
    scene.close()


def test_a_gap_is_read_from_the_log(tmp_path: Path) -> None:
    """A hand-over merged away leaves a gap: the feed reads what it missed instead of skipping it."""
    scene = fleet(tmp_path / "log.db")
    with reading(tmp_path / "log.db") as (feed, reader):
        missed = scene.log.append_batch(_drains(scene, 9))
        later = scene.log.append_batch(_host_events(EventType.HOST_DRAINED, 10, scene.old[:1]))
        batch = feed.take(missed[-1].seq, later, reader)
    assert batch.events == 4
    assert feed.fold.hosts[scene.old[0]].state == "drained"
    assert feed.fold.hosts[scene.old[1]].state == "draining"
    scene.close()


def test_a_pull_longer_than_a_chunk_folds_every_event_once(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    scene = fleet(tmp_path / "log.db")
    scene.log.append_batch(_drains(scene, 9))
    monkeypatch.setattr("rollout_tui.tui.feed.CHUNK", 2)
    feed = LiveFeed(RID)
    with EventLog(tmp_path / "log.db", readonly=True) as reader:
        batch = feed.pull(reader)
        events = list(reader.read(rollout_id=RID))
    whole = RolloutProjection(RID).apply_all(events)
    assert batch.events == len(events) > 2
    assert batch.hosts == set(scene.old)
    assert feed.fold.state_dict() == whole.state_dict()
    scene.close()


def test_a_feed_started_from_a_snapshot_shows_what_a_pull_from_the_start_shows(tmp_path: Path) -> None:
    """Fold, warning rates, every fingerprint seen and the tail, from a snapshot mid-way through a rollout."""
    path = tmp_path / "outage.db"
    run_builtin_plan("outage-guarded", str(path), rollout_id="outage")
    with EventLog(path) as log:
        middle = log.last_seq() // 2
        log.write_snapshot("outage", middle, replay(log, "outage", at=middle).to_snapshot())
        assert log.nearest_snapshot("outage") is not None
        started, pulled = LiveFeed("outage"), LiveFeed("outage")
        batch = started.start(log)
        pulled.pull(log)
    assert batch.whole and batch.hosts == set(pulled.fold.hosts)
    assert started.fold.state_dict() == pulled.fold.state_dict()
    assert list(started.rates) == list(pulled.rates) and len(started.rates) > 0
    assert started.seen == pulled.seen and started.seen
    assert list(started.tail) == list(pulled.tail) and started.tail
