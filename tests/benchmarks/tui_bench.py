"""What showing host transitions costs the TUI, against folding them into the projection alone.

10,000 hosts on screen (one DataTable), then rounds of 1,000 host transitions appended to the log. For each
round it times (a) the fold alone: `RolloutProjection.apply` of the same 1,000 events, already read, and
(b) the TUI showing them, the way the live screen gets them:

- engine here (what `rollout-tui demo` and `run` do): the in-process engine hands over the events it has
  just appended; the app folds them, updates the widgets and repaints once;
- attached (another terminal drives the rollout): the app reads them back from SQLite first.

"Showing" is the app's handler (fold, widgets) plus the repaint that follows, timed inside the process as
the UI thread's CPU time (so are the folds): the wall time of waiting for the repaint would mostly measure
the test harness's idle polling, and other processes on a busy machine. Rounds walk
down the table in order, so the first two change the rows in view and the rest change rows out of view;
the figure is the median round, and the rounds that repaint rows in view are printed too.
Target: (b) at most 3x (a). Run: `python -m tests.benchmarks.tui_bench`.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.screen import Screen

from rollout_tui.domain.events import Event, EventType, NewEvent, host_stream
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.store.log import EventLog
from rollout_tui.tui.app import RolloutApp
from tests.tui.scenes import RID, Scene, at

HOSTS = 10_000
BATCH = 1_000
ROUNDS = 2 * HOSTS // BATCH
"""Every host starts draining, then drains."""
IN_VIEW_ROUNDS = 2
"""The rounds that change the rows in view (the table shows the first hosts)."""
TARGET = 3.0


@dataclass
class Rounds:
    """Seconds per round."""

    fold: list[float]
    """`RolloutProjection.apply` alone."""
    handle: list[float]
    """The app's handler: (read,) fold, update the widgets."""
    paint: list[float]
    """The repaint that followed."""

    def shown(self) -> list[float]:
        return [h + p for h, p in zip(self.handle, self.paint, strict=True)]

    def ratio(self, rounds: slice = slice(None)) -> float:
        return statistics.median(self.shown()[rounds]) / statistics.median(self.fold[rounds])


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


@contextmanager
def timed_paints(into: list[float]) -> Iterator[None]:
    """Add the seconds of every screen update (layout, render, write) to `into` while inside."""
    original: Callable[[Screen[Any]], None] = Screen._on_timer_update

    def update(screen: Screen[Any]) -> None:
        start = time.thread_time()
        original(screen)
        into.append(time.thread_time() - start)

    Screen._on_timer_update = update  # type: ignore[method-assign]
    try:
        yield
    finally:
        Screen._on_timer_update = original  # type: ignore[method-assign]


def fold_alone(path: Path, events: list[Event]) -> float:
    """Seconds to apply `events` to a projection of the log as it stood before them.

    The projection is folded from the log, as the app's is: a deep copy lays its hosts out more compactly
    in memory and folds about 15% faster than the projection the app actually holds.
    """
    twin = RolloutProjection(RID)
    with EventLog(path, readonly=True) as log:
        twin.apply_all(log.read(upto=events[0].seq - 1, rollout_id=RID))
    gc.collect()
    start = time.thread_time()
    for event in events:
        twin.apply(event)
    return time.thread_time() - start


async def measure(path: Path, scene: Scene, *, attached: bool) -> Rounds:
    rounds = Rounds([], [], [])
    paints: list[float] = []
    app = RolloutApp(path, poll_seconds=3600)
    with timed_paints(paints):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for round_ in range(ROUNDS):
                after = app.feed.fold.seq
                events = scene.log.append_batch(transitions(round_, scene))
                rounds.fold.append(fold_alone(path, events))
                gc.collect()
                await pilot.pause()
                paints.clear()
                start = time.thread_time()
                # take: what the engine worker's after-tick hand-over runs on the UI thread
                batch = app.poll() if attached else app.take(after, events)
                rounds.handle.append(time.thread_time() - start)
                await pilot.pause()
                rounds.paint.append(sum(paints))
                assert batch.events == BATCH and len(batch.hosts) == BATCH
                assert app.feed.fold.seq == events[-1].seq
    return rounds


def run(*, attached: bool) -> Rounds:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        scene = build(path)
        try:
            return asyncio.run(measure(path, scene, attached=attached))
        finally:
            scene.close()


def medians() -> tuple[float, float]:
    """Median seconds to show a round of transitions (engine here), and to fold it alone (for the table)."""
    rounds = run(attached=False)
    return statistics.median(rounds.shown()), statistics.median(rounds.fold)


def main() -> int:
    print(f"{HOSTS:,} hosts, {BATCH:,} host transitions per round, {ROUNDS} rounds, median round")
    ok = True
    for attached in (False, True):
        rounds = run(attached=attached)
        fold = statistics.median(rounds.fold)
        handle = statistics.median(rounds.handle)
        paint = statistics.median(rounds.paint)
        ratio = rounds.ratio()
        in_view = rounds.ratio(slice(0, IN_VIEW_ROUNDS))
        print("attached (reads the log):" if attached else "engine here (events handed over):")
        print(f"  fold alone (projection.apply)    {fold * 1000:7.2f} ms")
        print(f"  handler (fold, widgets)          {handle * 1000:7.2f} ms  ({handle / fold:.2f}x fold)")
        print(f"  repaint                          {paint * 1000:7.2f} ms  ({paint / fold:.2f}x fold)")
        print(f"  shown                            {(handle + paint) * 1000:7.2f} ms  ({ratio:.2f}x fold)")
        print(f"  rounds changing rows in view     {in_view:7.2f}x fold")
        if not attached:
            ok = ratio <= TARGET
            print(f"  target: at most {TARGET:g}x fold -> {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
