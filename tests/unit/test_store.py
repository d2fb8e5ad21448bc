from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from rollout_tui.domain.events import EventType, NewEvent, operator_stream
from rollout_tui.store.log import SCHEMA_VERSION, ConcurrencyError, EventLog, LogFormatError
from tests.factories import at, host_event, planned, random_legal_events


def dump(log: EventLog) -> list[tuple[object, ...]]:
    return list(log.conn.execute("SELECT * FROM events ORDER BY seq"))


def test_append_assigns_gap_free_seq_and_per_stream_versions(log: EventLog) -> None:
    appended = log.append_batch(planned("r1"))
    appended += [log.append(host_event("r1", EventType.HOST_BOOTED, "i-1", 1, fleet="new"))]
    appended += [log.append(host_event("r1", EventType.HOST_BECAME_HEALTHY, "i-1", 2))]
    assert [e.seq for e in appended] == [1, 2, 3, 4]
    assert [(e.stream, e.version) for e in appended] == [
        ("rollout:r1", 1),
        ("rollout:r1", 2),
        ("host:i-1", 1),
        ("host:i-1", 2),
    ]
    assert list(log.read()) == appended
    assert [e.seq for e in log.read(after=2)] == [3, 4]
    assert [e.seq for e in log.read(stream="host:i-1")] == [3, 4]
    assert [e.seq for e in log.read(upto=2)] == [1, 2]
    assert log.last_seq() == 4
    assert log.stream_version("host:i-1") == 2


def test_a_batch_across_many_streams_continues_each_stream_from_its_own_version(log: EventLog) -> None:
    streams = [f"host:i-{i}" for i in range(1_200)] + ['host:odd \u00e9 "name"']
    log.append_batch([NewEvent("r1", s, "Noted", at(0), "engine", {}) for s in streams[::2]])
    log.append_batch([NewEvent("r1", s, "Noted", at(1), "engine", {}) for s in streams[::3]])
    appended = log.append_batch([NewEvent("r1", s, "Noted", at(2), "engine", {}) for s in streams])
    expected = {s: 1 + (i % 2 == 0) + (i % 3 == 0) for i, s in enumerate(streams)}
    assert {e.stream: e.version for e in appended} == expected
    assert all(log.stream_version(s) == v for s, v in expected.items())


def test_batch_append_is_atomic(log: EventLog) -> None:
    log.append_batch(planned("r1"))
    before = dump(log)
    bad = NewEvent("r1", "rollout:r1", EventType.STAGE_CHANGED, at(1), "engine", {"stage": "boot"}, version=1)
    good = NewEvent("r1", "gate:r1", EventType.BASELINE_MEASURED, at(1), "engine", {"rate": 1.0})
    with pytest.raises(ConcurrencyError):
        log.append_batch([good, bad])
    assert dump(log) == before


def test_two_writers_appending_the_same_stream_version_exactly_one_succeeds(db_path: Path) -> None:
    first, second = EventLog(db_path), EventLog(db_path)
    first.append_batch(planned("r1"))
    version = first.stream_version("rollout:r1") + 1
    outcomes = []
    for writer in (first, second):
        event = NewEvent(
            "r1", "rollout:r1", EventType.STAGE_CHANGED, at(1), "engine", {"stage": "boot"}, version
        )
        try:
            writer.append(event)
            outcomes.append("ok")
        except ConcurrencyError:
            outcomes.append("conflict")
    assert outcomes == ["ok", "conflict"]
    assert second.last_seq() == 3
    first.close()
    second.close()


def test_unversioned_operator_commands_from_two_writers_both_land(db_path: Path) -> None:
    first, second = EventLog(db_path), EventLog(db_path)
    for writer in (first, second, first):
        writer.append(NewEvent("r1", operator_stream("r1"), EventType.OPERATOR_PAUSED, at(0), "operator:a@b"))
    assert [e.version for e in second.read()] == [1, 2, 3]
    first.close()
    second.close()


def test_data_must_be_a_json_object(log: EventLog) -> None:
    log.append_batch(planned("r1"))
    with pytest.raises(sqlite3.IntegrityError):
        log.conn.execute("INSERT INTO events VALUES (3, 'r1', 's', 1, 'X', 'a', 'b', 'c', 'not json')")
    with pytest.raises(sqlite3.IntegrityError):
        log.conn.execute("INSERT INTO events VALUES (3, 'r1', 's', 1, 'X', 'a', 'b', 'c', '[1]')")


TAMPERING = {
    "update": "UPDATE events SET type = 'HostDrained' WHERE seq = 2",
    "delete": "DELETE FROM events WHERE seq = 2",
    "insert or replace seq": (
        "INSERT OR REPLACE INTO events VALUES (2, 'r1', 'x', 1, 'HostDrained', 'a', 'b', 'c', '{}')"
    ),
    "insert or replace version": (
        "INSERT OR REPLACE INTO events VALUES (99, 'r1', 'rollout:r1', 2, 'HostDrained', 'a', 'b', 'c', '{}')"
    ),
    "replace into": "REPLACE INTO events VALUES (1, 'r1', 'x', 1, 'HostDrained', 'a', 'b', 'c', '{}')",
}


@pytest.mark.parametrize("sql", TAMPERING.values(), ids=TAMPERING.keys())
def test_plain_sqlite3_cannot_rewrite_history(db_path: Path, sql: str) -> None:
    with EventLog(db_path) as log:
        log.append_batch(planned("r1"))
        before = dump(log)
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match=r"append-only|already used"):
        conn.execute(sql)
    conn.commit()
    conn.close()
    with EventLog(db_path) as log:
        assert dump(log) == before


def test_sqlite_utils_cannot_rewrite_history(db_path: Path) -> None:
    with EventLog(db_path) as log:
        log.append_batch(planned("r1"))
        before = dump(log)
    db = sqlite_utils.Database(db_path)
    events = db["events"]
    assert isinstance(events, sqlite_utils.db.Table)
    row = dict(next(iter(events.rows)))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        events.update(1, {"type": "HostDrained"})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        events.delete(1)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        events.delete_where("seq > 0")
    with pytest.raises(sqlite3.DatabaseError, match=r"append-only|already used"):
        events.insert({**row, "type": "HostDrained"}, replace=True)
    with pytest.raises(sqlite3.DatabaseError, match=r"append-only|already used"):
        events.upsert({**row, "type": "HostDrained"}, pk="seq")
    db.close()
    with EventLog(db_path) as log:
        assert dump(log) == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LogFormatError, match="not a usable SQLite event log"):
        EventLog(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_a_foreign_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(LogFormatError, match="not a rollout_tui event log"):
        EventLog(path)
    assert path.read_bytes() == before


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    EventLog(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(LogFormatError, match="newer than this rollout_tui understands"):
        EventLog(db_path)


def test_readonly_open_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(LogFormatError, match="no event log"):
        EventLog(path, readonly=True)
    assert not path.exists()


def test_schema_version_is_recorded(log: EventLog) -> None:
    assert log.db["meta"].get("schema_version")["value"] == str(SCHEMA_VERSION)
    assert log.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_file_log_is_in_wal_mode(db_path: Path) -> None:
    with EventLog(db_path) as log:
        assert log.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_follow_sees_events_appended_by_another_connection(db_path: Path) -> None:
    reader, writer = EventLog(db_path), EventLog(db_path)
    events = list(random_legal_events(seed=1, hosts=3, steps=10))
    writer.append_batch(events[:4])
    rounds = iter([events[4:8], events[8:]])

    def wait() -> bool:
        batch = next(rounds, None)
        if batch is None:
            return False
        writer.append_batch(batch)
        return True

    seen = [e.seq for e in reader.follow(wait=wait)]
    assert seen == list(range(1, len(events) + 1))
    reader.close()
    writer.close()


def test_processes_creating_the_same_new_log_at_once_all_get_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    for round_ in range(5):
        path = tmp_path / f"new-{round_}.db"
        code = f"from rollout_tui.store.log import EventLog; EventLog({str(path)!r}).close()"
        started = [
            subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outcomes = [(p.wait(timeout=60), p.stderr.read() if p.stderr else "") for p in started]
        assert [rc for rc, _ in outcomes] == [0, 0, 0], outcomes
        with EventLog(path) as log:
            assert log.last_seq() == 0
