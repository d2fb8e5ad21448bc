from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rollout_tui.store.log import EventLog
from rollout_tui.store.verify import verify
from tests.factories import random_legal_events


def rollout_tui(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rollout_tui", *map(str, args)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def good_log(tmp_path: Path) -> Path:
    path = tmp_path / "good.db"
    with EventLog(path) as log:
        log.append_batch(list(random_legal_events(seed=7, hosts=6, steps=80)))
    return path


def tampered(good_log: Path, sql: str, name: str = "tampered.db") -> Path:
    """A copy of the log changed behind the store's back, with its triggers and checks off."""
    copy = good_log.with_name(name)
    shutil.copy(good_log, copy)
    conn = sqlite3.connect(copy)
    conn.execute("PRAGMA ignore_check_constraints = ON")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(sql)
    conn.commit()
    conn.close()
    return copy


def first_host_event_after_boot(path: Path) -> int:
    conn = sqlite3.connect(path)
    (seq,) = conn.execute("SELECT min(seq) FROM events WHERE type = 'HostBecameHealthy'").fetchone()
    conn.close()
    return int(seq)


def test_verify_passes_a_good_log(good_log: Path) -> None:
    with EventLog(good_log, readonly=True) as log:
        report = verify(log)
        assert report.events == log.last_seq() > 20
    assert report.ok, report.problems
    done = rollout_tui("verify", "--db", good_log)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


def test_verify_names_the_seq_of_an_illegal_transition(good_log: Path) -> None:
    seq = first_host_event_after_boot(good_log)
    bad = tampered(good_log, f"UPDATE events SET type = 'HostDrained' WHERE seq = {seq}")
    done = rollout_tui("verify", "--db", bad)
    assert done.returncode == 2
    assert f"seq {seq}:" in done.stderr
    assert "cannot finish drain from booting" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_verify_names_the_seq_where_a_deleted_row_leaves_a_gap(good_log: Path) -> None:
    bad = tampered(good_log, "DELETE FROM events WHERE seq = 20")
    with EventLog(bad, readonly=True) as log:
        problems = verify(log).problems
    assert problems[0].seq == 21
    assert "seq jumps from 19 to 21" in problems[0].message


def test_verify_catches_a_rewritten_stream_version_and_bad_json(good_log: Path) -> None:
    bad = tampered(good_log, "UPDATE events SET version = version + 1 WHERE seq = 2")
    with EventLog(bad, readonly=True) as log:
        assert verify(log).problems[0].seq == 2
    worse = tampered(good_log, "UPDATE events SET data = '[1' WHERE seq = 5", "worse.db")
    with EventLog(worse, readonly=True) as log:
        assert verify(log).problems[0].message == "data is not a JSON object"


def test_status_json_has_the_documented_shape(good_log: Path) -> None:
    done = rollout_tui("status", "--json", "--db", good_log)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert {"rollout_id", "phase", "seq", "fleets", "gate", "warnings_per_minute", "apps"} <= set(status)
    assert set(status["fleets"]) == {"old", "new"}
    assert sum(status["fleets"]["old"].values()) == 3
    assert set(status["gate"]) == {"state", "reason"}
    assert status["gate"]["state"] in {"open", "blocked", "hold"}


def test_replay_at_a_seq_prints_the_state_as_of_that_seq(good_log: Path) -> None:
    done = rollout_tui("replay", "--headless", "--at", "8", "--json", "--db", good_log)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["seq"] == 8
    assert sum(status["fleets"]["old"].values()) + sum(status["fleets"]["new"].values()) == 6


def test_unknown_event_types_are_kept_and_skipped_with_a_warning(good_log: Path) -> None:
    with EventLog(good_log) as log:
        log.conn.execute(
            "INSERT INTO events VALUES (?, 'r1', 'future:1', 1, 'HostTeleported', 'a', 'b', 'engine', '{}')",
            (log.last_seq() + 1,),
        )
    done = rollout_tui("status", "--json", "--db", good_log)
    assert done.returncode == 0
    assert "skipped 1 event(s) of unknown type HostTeleported" in done.stderr
    assert rollout_tui("verify", "--db", good_log).returncode == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"junk" * 500, "not a usable SQLite event log"),
        (None, "no event log at"),
    ],
)
def test_bad_log_files_give_one_line_and_exit_2(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "x.db"
    if content is not None:
        path.write_bytes(content)
    for command in (["status"], ["verify"], ["replay", "--headless", "--json"]):
        done = rollout_tui(*command, "--db", path)
        assert done.returncode == 2
        assert message in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr
    assert not path.exists() or path.read_bytes() == content


def test_a_log_with_an_illegal_transition_is_refused_by_status(good_log: Path) -> None:
    seq = first_host_event_after_boot(good_log)
    bad = tampered(good_log, f"UPDATE events SET type = 'HostDrained' WHERE seq = {seq}")
    done = rollout_tui("status", "--db", bad)
    assert done.returncode == 2
    assert f"seq {seq}" in done.stderr


def test_usage_errors_are_one_line_and_exit_2(good_log: Path) -> None:
    done = rollout_tui("replay", "--at", "minus-one", "--db", good_log)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
