"""Two engines started together on one log: exactly one drives it, the other exits 5 naming the holder."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rollout_tui.domain.events import EventType
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.errors import ExitCode
from rollout_tui.store.log import EventLog
from tests.reliability.harness import (
    CliProcess,
    LogFacts,
    assert_no_host_drained_twice,
    assert_verify_clean,
    run_cli,
)

ROUNDS = 5
SPEED = "400"
"""Simulated seconds per real second: the calm rollout then lasts about two seconds, so the engine that wins
still drives it when the other one has started, however slowly either process starts."""


@pytest.fixture(scope="module")
def unfinished_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log holding a calm rollout stopped after a few ticks, its lease released."""
    db = tmp_path_factory.mktemp("unfinished") / "rollout.db"
    ticks = iter(range(4))
    with EventLog(db) as log:
        engine = start_rollout(load_plan("calm"), log, holder="first-engine@elsewhere:1")
        engine.run(should_stop=lambda: next(ticks, None) is None)
        assert engine.projection.phase == "running"
    return db


def race(folder: Path, db: Path) -> list[str]:
    """Start two engines at once; check what must hold, and return what the loser printed beyond one line."""
    args = ("run", "calm", "--headless", "--speed", SPEED, "--db", str(db))
    with CliProcess(*args, cwd=folder) as one, CliProcess(*args, cwd=folder) as other:
        try:
            outcomes = {one.process.pid: one.wait(), other.process.pid: other.wait()}
        except subprocess.TimeoutExpired:
            # Say where the log stood, so a slow or stuck engine can be told from one that never finishes.
            status = run_cli("status", "--db", str(db), cwd=folder)
            tail = run_cli("timeline", "--db", str(db), cwd=folder).stdout.splitlines()[-15:]
            raise AssertionError(
                f"an engine did not finish; stderr: {one.stderr_so_far()!r} / {other.stderr_so_far()!r}\n"
                f"{status.stdout}{status.stderr}\n" + "\n".join(tail)
            ) from None
    codes = sorted(outcome.code for outcome in outcomes.values())
    assert codes == [ExitCode.OK, ExitCode.LEASE_HELD], {pid: o.stderr for pid, o in outcomes.items()}
    (winner,) = [pid for pid, o in outcomes.items() if o.code == ExitCode.OK]
    (loser,) = [o for o in outcomes.values() if o.code == ExitCode.LEASE_HELD]
    assert "Traceback" not in loser.stderr, loser.stderr
    errors = [line for line in loser.error_lines if line.startswith("rollout-tui: ")]
    assert len(errors) == 1, loser.stderr
    assert re.search(rf"\S+@\S+:{winner}\b", errors[0]), f"the holder (pid {winner}) is not named: {errors}"
    assert_verify_clean(db)
    facts = LogFacts.read(db)
    racers = {str(pid) for pid in outcomes}
    took = [row[4]["holder"].rpartition(":")[2] for row in facts.of(EventType.LEASE_ACQUIRED)]
    assert [pid for pid in took if pid in racers] == [str(winner)], f"the lease was taken by pids {took}"
    assert_no_host_drained_twice(facts)
    assert len({row[2] for row in facts.types if row[2].startswith("rollout:")}) == 1, "one rollout only"
    status = run_cli("status", "--json", "--db", str(db), cwd=folder)
    assert '"phase": "completed"' in status.stdout, status.stdout
    return [] if len(loser.error_lines) == 1 else [loser.stderr]


@pytest.mark.parametrize("start", ["empty", "unfinished"])
def test_two_engines_started_together_on_one_log_one_runs_and_the_other_exits_5(
    tmp_path: Path, unfinished_log: Path, start: str
) -> None:
    extra_lines = []
    for round_ in range(ROUNDS):
        folder = tmp_path / f"round-{round_}"
        folder.mkdir()
        db = folder / "rollout.db"
        if start == "unfinished":
            shutil.copyfile(unfinished_log, db)
        extra_lines += race(folder, db)
    assert not extra_lines, (
        f"the engine refused with exit 5 printed more than its one error line: {extra_lines}"
    )
