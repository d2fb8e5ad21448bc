"""Write the README's screenshots of the TUI into screenshots/: `python -m rollout_tui.screenshots`.

Each scene runs a built-in plan on the simulator flat out into a fresh log until a moment worth showing,
then opens the TUI attached to that log at a fixed size and saves it as SVG; `replay.svg` runs a rollout to
its end and shows the replay as of its first gate block. All are saved as SVG (and PNG where cairosvg, a
dev dependency, is installed). Everything shown is event time from a seeded simulation, so the images
only change when the code does.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.domain.rollout import FINAL_PHASES
from rollout_tui.engine.plan import Plan, load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.store.log import EventLog
from rollout_tui.tui.app import RolloutApp
from rollout_tui.tui.replay_app import ReplayApp

OUT = Path("screenshots")
"""Where the images go."""

Until = Callable[[RolloutProjection], bool]


def _guarded_outage_without_surge_budget() -> Plan:
    """The unguarded outage (30 drains at once) with the gate on: the gate has to stop the drain."""
    plan = load_plan("outage-unguarded")
    gate = plan.gate.model_copy(update={"enabled": True, "floor_per_minute": 10.0, "multiple": 3.0})
    return plan.model_copy(update={"name": "outage-gate-only", "gate": gate})


SCENES: list[tuple[str, Callable[[], Plan], Until, tuple[int, int]]] = [
    (
        "live-draining",
        lambda: load_plan("outage-guarded"),
        lambda fold: fold.counts["old"]["terminated"] >= 60,
        (120, 40),
    ),
    (
        "gate-blocked",
        _guarded_outage_without_surge_budget,
        lambda fold: fold.gate_state != "open",
        (120, 40),
    ),
    (
        "gate-blocked-80x24",
        _guarded_outage_without_surge_budget,
        lambda fold: fold.gate_state != "open",
        (80, 24),
    ),
]
"""Name, plan, when to stop the engine, terminal size."""


def record(plan: Plan, path: Path, until: Until) -> str:
    """Run `plan` into the log at `path` until `until(fold)`; the rollout id."""
    with EventLog(path) as log:
        engine = start_rollout(plan, log, rollout_id=f"{plan.name}-screenshot", holder="screenshots")
        engine.run(should_stop=lambda: until(engine.projection))
        return engine.rollout_id


async def shoot(path: Path, rollout_id: str, name: str, size: tuple[int, int]) -> Path:
    app = RolloutApp(path, rollout_id=rollout_id, poll_seconds=3600)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        OUT.mkdir(exist_ok=True)
        return Path(app.save_screenshot(f"{name}.svg", path=str(OUT)))


REPLAY = ("replay", _guarded_outage_without_surge_budget, (120, 40))
"""The replay screenshot: the gate-only run well past its first block, replayed as of that block."""


def _past_the_block(fold: RolloutProjection) -> bool:
    return fold.phase in FINAL_PHASES or fold.gate_state == "hold" or fold.counts["old"]["terminated"] >= 60


async def shoot_replay(path: Path, rollout_id: str, name: str, size: tuple[int, int]) -> Path:
    """The replay as of the first gate block of the rollout."""
    with EventLog(path, readonly=True) as log:
        seq = next(e.seq for e in log.read(rollout_id=rollout_id) if e.type == "GateBlocked")
    app = ReplayApp(path, rollout_id=rollout_id, at=seq, poll_seconds=None, frame_seconds=None)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.pause()  # the event tail scrolls to its end after a refresh
        OUT.mkdir(exist_ok=True)
        return Path(app.save_screenshot(f"{name}.svg", path=str(OUT)))


def to_png(svg: Path) -> Path | None:
    try:
        import cairosvg  # type: ignore[import-untyped]
    except (ImportError, OSError):  # not installed, or the cairo library is missing
        return None
    png = svg.with_suffix(".png")
    cairosvg.svg2png(url=str(svg), write_to=str(png))
    return png


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, plan, until, size in SCENES:
            path = Path(tmp) / f"{name}.db"
            rollout_id = record(plan(), path, until)
            svg = asyncio.run(shoot(path, rollout_id, name, size))
            png = to_png(svg)
            print(svg, png if png else "(no PNG: pip install cairosvg)")
        name, plan_of, size = REPLAY
        path = Path(tmp) / f"{name}.db"
        rollout_id = record(plan_of(), path, _past_the_block)
        svg = asyncio.run(shoot_replay(path, rollout_id, name, size))
        png = to_png(svg)
        print(svg, png if png else "(no PNG: pip install cairosvg)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
