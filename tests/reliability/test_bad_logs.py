"""Logs that cannot be used: every command that reads or drives one refuses clearly and writes nothing."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from rollout_tui.domain.events import EventType
from tests.reliability.harness import Outcome, assert_one_line_error, call_main, file_state, run_cli


def not_sqlite(db: Path, good: Path) -> None:
    db.write_bytes(b"this is a text file, not a database\n" * 200)


def foreign_sqlite(db: Path, good: Path) -> None:
    conn = sqlite3.connect(db)
    conn.executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'x');"
    )
    conn.close()


def newer_schema(db: Path, good: Path) -> None:
    shutil.copyfile(good, db)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 2")
    conn.close()


def illegal_transition(db: Path, good: Path) -> None:
    """A good log whose first `HostDrained` is rewritten into a `HostBooted` of the same, existing host."""
    shutil.copyfile(good, db)
    conn = sqlite3.connect(db, isolation_level=None)
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    (seq,) = conn.execute("SELECT min(seq) FROM events WHERE type = ?", (EventType.HOST_DRAINED,)).fetchone()
    conn.execute("UPDATE events SET type = ? WHERE seq = ?", (EventType.HOST_BOOTED, seq))
    for _, sql in triggers:
        conn.execute(sql)
    conn.close()


def truncated(db: Path, good: Path) -> None:
    data = good.read_bytes()
    page = int.from_bytes(data[16:18], "big") or 65536
    pages = len(data) // page
    db.write_bytes(data[: (pages // 2) * page + page // 3])


BAD_LOGS: dict[str, Callable[[Path, Path], None]] = {
    "not-sqlite": not_sqlite,
    "foreign-sqlite": foreign_sqlite,
    "newer-schema": newer_schema,
    "illegal-transition": illegal_transition,
    "truncated": truncated,
}
EXPECTED = {
    "not-sqlite": "not a usable SQLite event log",
    "foreign-sqlite": "not a rollout_tui event log",
    "newer-schema": "newer than this rollout_tui understands",
    "illegal-transition": "seq",
    "truncated": "not a usable SQLite event log",
}
"""Words the one error line must hold, beyond the log's path."""

COMMANDS: dict[str, list[str]] = {
    "status": ["status", "--json"],
    "verify": ["verify"],
    "replay": ["replay", "--headless", "--json"],
    "timeline": ["timeline"],
    "run": ["run", "calm", "--headless"],
}


@pytest.fixture(scope="module")
def good_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished calm rollout, checkpointed into one file."""
    db = tmp_path_factory.mktemp("good") / "rollout.db"
    outcome = call_main("run", "calm", "--headless", "--db", str(db))
    assert outcome.code == 0, outcome.stderr
    assert not Path(f"{db}-wal").exists()
    return db


def check(outcome: Outcome, kind: str, db: Path) -> None:
    line = assert_one_line_error(outcome, 2)
    assert EXPECTED[kind] in line, line
    assert db.name in line or "event log" in line, f"the log is not named: {line}"


def assert_nothing_written(db: Path, before: dict[str, bytes | None]) -> None:
    """The file's bytes are unchanged and no page went to a write-ahead log. (Opening a WAL-mode file may
    leave an empty -wal and the -shm index next to it, as any SQLite reader does.)"""
    after = file_state(db)
    assert after["db"] == before["db"], "the log file changed"
    assert not after["-wal"] or after["-wal"] == before["-wal"], "pages were written to the -wal file"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", sorted(BAD_LOGS))
def test_a_bad_log_is_refused_with_one_line_and_exit_2_and_left_as_it_was(
    kind: str, command: str, good_log: Path, tmp_path: Path
) -> None:
    db = tmp_path / "rollout.db"
    BAD_LOGS[kind](db, good_log)
    before = file_state(db)
    outcome = call_main(*COMMANDS[command], "--db", str(db))
    check(outcome, kind, db)
    assert_nothing_written(db, before)


@pytest.mark.parametrize("kind", ["not-sqlite", "newer-schema", "truncated"])
def test_a_bad_log_run_as_a_subprocess_exits_2_with_one_line(
    kind: str, good_log: Path, tmp_path: Path
) -> None:
    db = tmp_path / "rollout.db"
    BAD_LOGS[kind](db, good_log)
    before = file_state(db)
    outcome = run_cli("run", "calm", "--headless", "--db", str(db), cwd=tmp_path)
    check(outcome, kind, db)
    assert_nothing_written(db, before)
