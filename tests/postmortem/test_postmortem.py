from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from rollout_tui.engine.plan import load_plan
from rollout_tui.postmortem.timeline import build_timeline, to_markdown
from rollout_tui.postmortem.whatif import what_if
from rollout_tui.store.log import EventLog
from tests.factories import run_builtin_plan

GOLDEN = Path(__file__).parent.parent / "golden" / "timeline-outage-guarded.md"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The outage scenario run once with and once without the gate (fixed seeds, fixed ids)."""
    folder = tmp_path_factory.mktemp("recorded")
    paths = {}
    for plan in ("outage-guarded", "outage-unguarded"):
        paths[plan] = folder / f"{plan}.db"
        run_builtin_plan(plan, str(paths[plan]), rollout_id=f"{plan}-golden")
    return paths


def rollout_tui(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rollout_tui", *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_the_timeline_of_the_guarded_outage_matches_the_golden_file(recorded: dict[str, Path]) -> None:
    done = rollout_tui("timeline", "--format", "md", "--db", recorded["outage-guarded"])
    assert done.returncode == 0, done.stderr
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(done.stdout, encoding="utf-8")
    assert done.stdout == GOLDEN.read_text(encoding="utf-8")


def test_the_timeline_summary_agrees_with_the_log(recorded: dict[str, Path]) -> None:
    with EventLog(recorded["outage-unguarded"], readonly=True) as log:
        events = list(log.read())
    timeline = build_timeline(events)
    types = Counter(e.type for e in events)
    s = timeline.summary
    assert s.outcome == "completed"
    assert s.hosts_booted == types["HostBooted"]
    assert s.hosts_drained == types["HostDrained"]
    assert s.api_throttled == types["ApiThrottled"]
    assert s.apps_corrupted and s.apps_corrupted > 0
    assert s.peak_warnings_per_minute == max(
        e.data["warnings_per_minute"] for e in events if e.type == "SignalsObserved"
    )
    steps = [e for e in timeline.entries if e.title.startswith("Drain step")]
    assert len(steps) == s.drain_steps
    assert "limit max_in_flight" in steps[0].details
    markdown = to_markdown(timeline)
    assert markdown.startswith("# Rollout outage-unguarded-golden\n")
    assert "| Apps at the end |" in markdown


def test_whatif_guarded_over_the_unguarded_outage_blocks_before_the_second_30_host_step(
    recorded: dict[str, Path],
) -> None:
    with EventLog(recorded["outage-unguarded"], readonly=True) as log:
        events = list(log.read())
    steps = [e for e in events if e.type == "DrainStarted" and e.data.get("first_of_step")]
    assert [s.data["batch_size"] for s in steps[:2]] == [30, 30]
    report = what_if(load_plan("outage-guarded"), events)
    blocks = [d for d in report.divergences if d.would in ("block", "hold")]
    assert blocks, "the guarded gate blocks somewhere"
    assert blocks[0].step <= 2, f"first block before step {blocks[0].step}, not before the second step"
    assert blocks[0].numbers["rate_per_minute"] > blocks[0].numbers["threshold_per_minute"]
    done = rollout_tui("whatif", "outage-guarded", "--db", recorded["outage-unguarded"])
    assert done.returncode == 0, done.stderr
    assert "first divergence" in done.stdout
    assert f"first gate block at seq {blocks[0].seq}" in done.stdout or blocks[0] is report.divergences[0]


def test_whatif_of_a_plan_over_its_own_recording_finds_no_divergence(recorded: dict[str, Path]) -> None:
    with EventLog(recorded["outage-guarded"], readonly=True) as log:
        report = what_if(load_plan("outage-guarded"), list(log.read()))
    assert report.steps > 0
    assert report.divergences == []
