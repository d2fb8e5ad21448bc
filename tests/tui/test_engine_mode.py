"""The TUI driving the engine in a worker: quitting asks, and never leaves the rollout half-known."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rollout_tui.domain.events import EventType
from rollout_tui.engine.engine import Engine
from rollout_tui.providers.base import SimulatedClock
from rollout_tui.store.log import EventLog
from rollout_tui.tui.app import RolloutApp
from rollout_tui.tui.screens.dialogs import QuitChoice, QuitDialog
from tests.engine.fakes import T0, FakeProvider, make_plan


def factory(log: EventLog, mode: str = "manual") -> Engine:
    """A rollout whose 30 s ticks take 20 ms of real time; in manual mode it waits at the drain for steps."""
    clock = SimulatedClock(T0, speed=1500)
    plan = make_plan(target=6, mode=mode)
    return Engine(log, plan, FakeProvider(clock, old_size=6), clock, "r1", holder="tui-test")


def auto(log: EventLog) -> Engine:
    return factory(log, "auto")


def types(path: Path) -> list[str]:
    with EventLog(path, readonly=True) as log:
        return [e.type for e in log.read()]


async def _quit_with(path: Path, button: str) -> RolloutApp:
    EventLog(path).close()
    app = RolloutApp(path, rollout_id="r1", engine_factory=factory, poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.feed.fold.stage != "drain":  # the engine worker appends; the timer folds it in
            await pilot.pause(0.05)
        await pilot.press("q")
        assert isinstance(app.screen, QuitDialog)
        await pilot.click(button)
        await app.workers.wait_for_complete()
        for _ in range(100):  # the engine's last messages, then the exit
            if app.return_value is not None:
                break
            await pilot.pause(0.05)
    return app


def test_quit_and_pause_waits_for_the_engine_to_pause_then_stops_it(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    app = asyncio.run(_quit_with(path, "#pause"))
    assert app.return_value is not None and app.return_value.choice is QuitChoice.PAUSE
    recorded = types(path)
    assert EventType.OPERATOR_PAUSED in recorded and EventType.ROLLOUT_PAUSED in recorded
    assert recorded[-1] == EventType.LEASE_RELEASED
    assert EventType.ROLLOUT_COMPLETED not in recorded


def test_quit_and_keep_running_stops_the_worker_and_hands_over(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    app = asyncio.run(_quit_with(path, "#headless"))
    assert app.return_value is not None and app.return_value.choice is QuitChoice.HEADLESS
    recorded = types(path)
    assert EventType.OPERATOR_PAUSED not in recorded
    assert recorded[-1] == EventType.LEASE_RELEASED  # free for the headless engine that takes over


def test_a_finished_rollout_quits_without_asking(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    EventLog(path).close()

    async def run() -> RolloutApp:
        app = RolloutApp(path, rollout_id="r1", engine_factory=auto, poll_seconds=0.05)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.feed.fold.phase == "completed"
            await pilot.press("q")
        return app

    app = asyncio.run(run())
    assert app.return_value is not None and app.return_value.code == 0 and app.return_value.choice is None
