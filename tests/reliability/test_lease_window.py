"""The moment between taking the lease and recording the plan: a second engine must see a held lease, and a
log whose engine died in that moment must not be stuck."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rollout_tui.engine.lease import default_holder
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.errors import ExitCode
from rollout_tui.store.log import EventLog
from tests.reliability.harness import PYTHON, assert_one_line_error, assert_verify_clean, run_cli, status_json


def take_lease_only(db: Path, holder: str) -> None:
    """What an engine has written when it has taken the lease and not yet recorded `RolloutPlanned`."""
    with EventLog(db) as log:
        engine = start_rollout(load_plan("calm"), log, holder=holder)
        engine.lease.acquire("2026-01-01T00:00:00Z")


def test_a_second_engine_started_before_the_first_recorded_its_plan_exits_5_naming_the_holder(
    tmp_path: Path,
) -> None:
    db = tmp_path / "rollout.db"
    holder = default_holder()  # this test process: alive, so its lease holds
    take_lease_only(db, holder)
    outcome = run_cli("run", "calm", "--headless", "--db", str(db), cwd=tmp_path)
    line = assert_one_line_error(outcome, ExitCode.LEASE_HELD)
    assert holder in line, line


def test_a_log_whose_engine_died_before_recording_its_plan_can_be_run_again(tmp_path: Path) -> None:
    db = tmp_path / "rollout.db"
    gone = subprocess.run([PYTHON, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = default_holder().rpartition(":")[0] + ":" + gone.stdout.strip()
    take_lease_only(db, holder)
    outcome = run_cli("run", "calm", "--headless", "--db", str(db), cwd=tmp_path)
    assert outcome.code == ExitCode.OK, outcome.stderr
    assert status_json(db)["phase"] == "completed"
    assert_verify_clean(db)
