"""Kill a headless engine with SIGKILL at chosen seqs, resume it, and compare with an uninterrupted run.

The kill point is a seq drawn with a fixed seed; the harness reads the engine's JSON lines and kills it as
soon as that seq is printed (the engine may have appended a few more events by then: the log says where it
really stopped). Resuming is running the same command again. The final fleet state must equal the
uninterrupted run's; app counts and timings are compared too, and any difference is reported with the kill
points it came from (a kill inside a tick makes the resumed engine take that tick's decisions one tick
later, which can shift what follows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from rollout_tui.domain.events import EventType
from tests.reliability.harness import (
    CliProcess,
    LogFacts,
    assert_boots_within_target,
    assert_no_host_drained_twice,
    assert_verify_clean,
    kill_points,
    run_cli,
    status_json,
)

PLAN = "outage-guarded"
TARGET = 200
SEED = 20260101


@dataclass(frozen=True)
class RunSummary:
    """What is compared between an uninterrupted run and a killed-and-resumed one."""

    phase: str
    fleets: dict[str, dict[str, int]]
    apps: dict[str, int] | None
    duration_seconds: float
    drain_steps: int
    decisions: int
    """BootRequested, DrainStarted and engine HostTerminated events."""


@dataclass(frozen=True)
class Baseline:
    """The uninterrupted run."""

    summary: RunSummary
    at_of_seq: dict[int, str]
    """Event time of every seq: the runs agree event for event up to a kill."""

    def mid_tick(self, seq: int) -> bool:
        """Whether the uninterrupted run appended more events at the same event time after `seq`."""
        return self.at_of_seq.get(seq + 1) == self.at_of_seq[seq]


@dataclass(frozen=True)
class Resumed:
    """One crash and resume."""

    kill_at: int
    died_at: int
    mid_tick: bool
    summary: RunSummary


def summarise(db: Path) -> RunSummary:
    status = status_json(db)
    facts = LogFacts.read(db)
    completed = facts.of(EventType.ROLLOUT_COMPLETED)
    steps = {row[4]["step"] for row in facts.of(EventType.DRAIN_STARTED)}
    decisions = facts.of(EventType.BOOT_REQUESTED, EventType.DRAIN_STARTED, EventType.HOST_TERMINATED)
    return RunSummary(
        phase=status["phase"],
        fleets=status["fleets"],
        apps=status["apps"],
        duration_seconds=float(completed[-1][4]["duration_seconds"]) if completed else -1.0,
        drain_steps=len(steps),
        decisions=sum(1 for row in decisions if row[3] == "engine"),
    )


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """The plan run once without interruption."""
    folder = tmp_path_factory.mktemp("straight")
    db = folder / "rollout.db"
    outcome = run_cli("run", PLAN, "--headless", "--json", "--db", str(db), cwd=folder)
    assert outcome.code == 0, outcome.stderr
    assert_verify_clean(db)
    at_of_seq = {event["seq"]: event["at"] for event in map(json.loads, outcome.stdout.splitlines())}
    return Baseline(summarise(db), at_of_seq)


def crash_and_resume(folder: Path, kill_at: int, baseline: Baseline) -> Resumed:
    """Run, SIGKILL once seq `kill_at` is printed, resume with the same command, check the log."""
    db = folder / "rollout.db"
    with CliProcess("run", PLAN, "--headless", "--json", "--db", str(db), cwd=folder) as engine:
        for event in engine.events():
            if event["seq"] >= kill_at:
                engine.kill()
                break
        else:
            pytest.fail(f"the engine ended before seq {kill_at}: {engine.wait().stderr}")
    died_at = LogFacts.read(db).last_seq
    assert_verify_clean(db)
    resumed = run_cli("run", PLAN, "--headless", "--db", str(db), cwd=folder)
    assert resumed.code == 0, f"resume after a kill at seq {died_at}: exit {resumed.code}: {resumed.stderr}"
    assert "resuming rollout" in resumed.stderr, resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert_verify_clean(db)
    facts = LogFacts.read(db)
    assert_no_host_drained_twice(facts)
    assert_boots_within_target(facts, TARGET)
    return Resumed(kill_at, died_at, baseline.mid_tick(died_at), summarise(db))


def report(baseline: Baseline, runs: list[Resumed]) -> str:
    expected = baseline.summary
    fleets_differ = [
        r for r in runs if (r.summary.phase, r.summary.fleets) != (expected.phase, expected.fleets)
    ]
    other = [r for r in runs if r.summary != expected]
    lines = [
        f"{len(runs)} kills ({sum(r.mid_tick for r in runs)} inside a tick); uninterrupted: {expected}",
        f"{len(fleets_differ)} resumed run(s) end with other fleets or phase; "
        f"{len(other)} differ in anything (apps, duration, drain steps, decisions):",
    ]
    for r in other:
        s = r.summary
        lines.append(
            f"  died at seq {r.died_at} ({'inside a tick' if r.mid_tick else 'between ticks'}): "
            f"new terminated {s.fleets['new']['terminated']}, apps {s.apps}, "
            f"duration {s.duration_seconds:g}s, "
            f"{s.drain_steps} drain steps, {s.decisions} decisions"
        )
    return "\n".join(lines)


def run_points(tmp_path: Path, baseline: Baseline, count: int) -> None:
    points = kill_points(SEED + count, count, 2, max(baseline.at_of_seq) - 20)
    runs = []
    for i, kill_at in enumerate(points):
        folder = tmp_path / f"kill-{i}"
        folder.mkdir()
        runs.append(crash_and_resume(folder, kill_at, baseline))
    text = report(baseline, runs)
    print(text)
    expected = baseline.summary
    assert all((r.summary.phase, r.summary.fleets) == (expected.phase, expected.fleets) for r in runs), text
    assert all(r.summary == expected for r in runs if not r.mid_tick), text


def test_a_rollout_killed_at_ten_points_resumes_to_the_same_end_as_an_uninterrupted_run(
    tmp_path: Path, uninterrupted: Baseline
) -> None:
    run_points(tmp_path, uninterrupted, 10)


@pytest.mark.slow
def test_a_rollout_killed_at_fifty_points_resumes_to_the_same_end_as_an_uninterrupted_run(
    tmp_path: Path, uninterrupted: Baseline
) -> None:
    run_points(tmp_path, uninterrupted, 50)
