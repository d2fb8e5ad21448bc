"""What showing host transitions costs the TUI, against folding them into the projection alone.

10,000 hosts on screen (one DataTable), then rounds of 1,000 host transitions appended to the log. For each
round it times (a) the fold alone: `RolloutProjection.apply` of the same 1,000 events, already read, and
(b) the TUI: one poll (read from SQLite, fold, update only the changed rows) plus the repaint that follows.
Target: (b) at most 3x (a). Run: `python -m tests.benchmarks.tui_bench`.
"""

from __future__ import annotations

import asyncio
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rollout_tui.domain.events import EventType, NewEvent, host_stream
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.store.log import EventLog
from rollout_tui.tui.app import RolloutApp
from tests.tui.scenes import RID, Scene, at

HOSTS = 10_000
BATCH = 1_000
ROUNDS = 6
TARGET = 3.0
polled: list[float] = []
"""Poll times of the last measurement (read, fold, update the widgets; no paint)."""


def build(path: Path) -> Scene:
    scene = Scene(path, old=1)
    scene.old = [f"i-{i:017x}" for i in range(HOSTS)]
    scene.rollout(0, EventType.ROLLOUT_PLANNED, plan=scene.plan.as_data(), provider={})
    scene.rollout(0, EventType.ROLLOUT_STARTED)
    scene.hosts(0, EventType.HOST_DISCOVERED, scene.old, fleet="old", state="healthy", apps=40)
    return scene


def transitions(round_: int, scene: Scene) -> list[NewEvent]:
    """Round 0 starts draining hosts 0-999, round 1 drains them, round 2 starts 1000-1999, ..."""
    start = (round_ // 2) * BATCH
    ids = scene.old[start : start + BATCH]
    type_ = EventType.DRAIN_STARTED if round_ % 2 == 0 else EventType.HOST_DRAINED
    return [NewEvent(RID, host_stream(h), type_, at(1 + round_), "engine", {"host_id": h}) for h in ids]


async def measure(path: Path, scene: Scene) -> tuple[list[float], list[float], list[float]]:
    fold_only: list[float] = []
    read_fold: list[float] = []
    shown: list[float] = []
    polled.clear()
    app = RolloutApp(path, poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        with EventLog(path, readonly=True) as reader:
            for round_ in range(ROUNDS):
                before = scene.log.last_seq()
                scene.log.append_batch(transitions(round_, scene))
                events = list(reader.read(after=before, rollout_id=RID))
                twin: RolloutProjection = copy.deepcopy(app.feed.fold)
                t0 = time.perf_counter()
                for event in events:
                    twin.apply(event)
                fold_only.append(time.perf_counter() - t0)
                twin = copy.deepcopy(app.feed.fold)
                t0 = time.perf_counter()
                twin.apply_all(reader.read(after=before, rollout_id=RID))
                read_fold.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                batch = app.poll()
                polled.append(time.perf_counter() - t0)
                await pilot.pause()
                shown.append(time.perf_counter() - t0)
                assert batch.events == BATCH and len(batch.hosts) == BATCH
    return fold_only, read_fold, shown


def run_rounds() -> tuple[list[float], list[float], list[float], float]:
    """Fold-only, read-and-fold and shown times per round, and the whole run's seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        scene = build(path)
        t0 = time.perf_counter()
        fold_only, read_fold, shown = asyncio.run(measure(path, scene))
        total = time.perf_counter() - t0
        scene.close()
    return fold_only, read_fold, shown, total


def medians() -> tuple[float, float]:
    """Median seconds to show a round of transitions, and to fold it alone (for the benchmark table)."""
    fold_only, _read, shown, _total = run_rounds()
    return statistics.median(shown), statistics.median(fold_only)


def main() -> int:
    fold_only, read_fold, shown, total = run_rounds()
    fold = statistics.median(fold_only)
    read = statistics.median(read_fold)
    show = statistics.median(shown)
    ratio = show / fold
    print(
        f"{HOSTS:,} hosts, {BATCH:,} host transitions per round, {ROUNDS} rounds (median), run {total:.1f}s"
    )
    print(f"  fold alone (projection.apply):          {fold * 1000:8.1f} ms")
    print(f"  read from SQLite + fold:                {read * 1000:8.1f} ms  ({read / fold:.2f}x fold)")
    print(f"  TUI: poll + update changed rows + paint {show * 1000:8.1f} ms  ({ratio:.2f}x fold)")
    poll = statistics.median(polled)
    print(f"    of which poll (read, fold, set cells) {poll * 1000:8.1f} ms  ({poll / fold:.2f}x fold)")
    print(f"  target: at most {TARGET:g}x fold -> {'met' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
