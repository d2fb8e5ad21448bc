from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def rollout_tui(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rollout_tui", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_run_headless_json_prints_every_event_as_one_json_object_per_line(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = rollout_tui("run", "calm", "--headless", "--json", "--db", db)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert {tuple(sorted(e)) for e in lines} == {
        ("actor", "at", "data", "rollout_id", "seq", "stream", "type", "version")
    }
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    types = [e["type"] for e in lines]
    assert types[0] == "LeaseAcquired" and "RolloutCompleted" in types
    status = json.loads(rollout_tui("status", "--json", "--db", db).stdout)
    assert status["phase"] == "completed"
    assert status["seq"] == lines[-1]["seq"]


def test_run_headless_in_a_pipe_prints_plain_lines_and_a_summary(tmp_path: Path) -> None:
    done = rollout_tui("run", "calm", "--headless", "--db", tmp_path / "r.db")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert any("drain step 1:" in line for line in out)
    assert out[-1].startswith("rollout calm-") and " completed at seq " in out[-1]
    assert "\x1b[" not in done.stdout, "no progress bar escapes outside a terminal"


def test_dry_run_prints_batches_and_budget_and_touches_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = rollout_tui("run", "outage-guarded", "--dry-run", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "drain budget: at most 10 draining at once" in done.stdout
    assert "boot: 200 host(s) to reach 200, 10 per step" in done.stdout
    assert "nothing was changed" in done.stdout
    assert not db.exists()


def test_a_finished_rollout_is_not_resumed_a_new_one_starts(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    assert rollout_tui("run", "calm", "--headless", "--db", db).returncode == 0
    first = json.loads(rollout_tui("status", "--json", "--db", db).stdout)["rollout_id"]
    again = rollout_tui("run", "calm", "--headless", "--db", db)
    assert again.returncode == 0, again.stderr
    assert "resuming" not in again.stderr
    second = json.loads(rollout_tui("status", "--json", "--db", db).stdout)["rollout_id"]
    assert second != first
    older = json.loads(rollout_tui("status", "--json", "--db", db, "--rollout", first).stdout)
    assert older["phase"] == "completed"
    assert rollout_tui("verify", "--db", db).returncode == 0


def test_commands_against_a_missing_log_fail_cleanly(tmp_path: Path) -> None:
    done = rollout_tui("pause", "--reason", "x", "--db", tmp_path / "none.db")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no event log" in done.stderr
    assert not (tmp_path / "none.db").exists()
