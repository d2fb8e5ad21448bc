"""Every control: the key appends the right operator event to the log, and the screen shows the result."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Select

from rollout_tui.domain.events import Event, EventType, NewEvent, rollout_stream
from rollout_tui.store.log import EventLog
from rollout_tui.tui.app import RolloutApp
from rollout_tui.tui.screens.dialogs import ConfirmAbort, FilterDialog, OverrideReason
from rollout_tui.tui.screens.help import HelpScreen
from rollout_tui.tui.widgets.event_tail import EventTail
from rollout_tui.tui.widgets.gate_banner import GateBanner
from rollout_tui.tui.widgets.header import RolloutHeader
from tests.tui.scenes import RID, at

SIZE = (120, 40)


def synchronous(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test on its own event loop (no async pytest plugin needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


def last(path: Path) -> Event:
    with EventLog(path, readonly=True) as log:
        return list(log.read())[-1]


def answer(path: Path, command: Event, type_: str, **data: object) -> None:
    """Play the engine: answer `command` the way it would, next tick."""
    with EventLog(path) as log:
        stream = rollout_stream(RID) if type_.startswith("Rollout") else f"gate:{RID}"
        log.append(NewEvent(RID, stream, type_, command.at, "engine", {"command_seq": command.seq, **data}))


def tail_text(app: RolloutApp) -> str:
    return "\n".join(line.text for line in app.screen.query_one(EventTail).lines)


def banner_text(app: RolloutApp) -> str:
    return str(app.screen.query_one(GateBanner).render())


def drawn(widget: Widget) -> str:
    """What a widget draws on screen, line by line."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text for strip in strips)


def header_text(app: RolloutApp) -> str:
    return drawn(app.screen.query_one(RolloutHeader))


@synchronous
async def test_p_appends_operator_paused_and_the_screen_shows_the_pause(
    scene_db: Callable[[str], Path],
) -> None:
    path = scene_db("normal")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        command = last(path)
        assert command.type == EventType.OPERATOR_PAUSED
        assert command.at == at(11)  # stamped at the simulated rollout's own time
        assert "OperatorPaused by operator:" in tail_text(app)
        answer(path, command, EventType.ROLLOUT_PAUSED, reason="paused from the TUI", by=command.actor)
        app.poll()
        await pilot.pause()
        assert "PAUSED" in header_text(app)
        assert "PAUSED: paused from the TUI" in banner_text(app)
        await pilot.press("r")
        resumed = last(path)
        assert resumed.type == EventType.OPERATOR_RESUMED
        answer(path, resumed, EventType.ROLLOUT_RESUMED, by=resumed.actor)
        app.poll()
        await pilot.pause()
        assert "RUNNING" in header_text(app)


@synchronous
async def test_resume_is_greyed_out_and_appends_nothing_while_running(
    scene_db: Callable[[str], Path],
) -> None:
    path = scene_db("normal")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        before = last(path).seq
        await pilot.press("r", "a", "o")
        assert last(path).seq == before
        assert not isinstance(app.screen, OverrideReason)


@synchronous
async def test_s_appends_operator_stepped(scene_db: Callable[[str], Path]) -> None:
    from tests.engine.fakes import make_plan
    from tests.tui import scenes

    path = Path(str(scene_db("normal")).replace("normal", "manual"))
    scene = scenes.Scene(path, plan=make_plan(mode="manual"))
    scene.rollout(0, EventType.ROLLOUT_PLANNED, plan=scene.plan.as_data(), provider={})
    scene.rollout(0, EventType.ROLLOUT_STARTED)
    scene.close()
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        assert last(path).type == EventType.OPERATOR_STEPPED
        assert "OperatorStepped" in tail_text(app)


@synchronous
async def test_a_approves_a_held_gate_and_the_banner_clears(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        assert "GATE HELD" in banner_text(app)
        await pilot.press("a")
        command = last(path)
        assert command.type == EventType.OPERATOR_APPROVED
        answer(path, command, EventType.GATE_CLEARED, reason=f"approved by {command.actor}")
        app.poll()
        await pilot.pause()
        assert "gate open" in banner_text(app)
        assert "RUNNING" in header_text(app)


@synchronous
async def test_o_asks_for_a_reason_and_records_it_with_the_override(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("blocked")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o")
        assert isinstance(app.screen, OverrideReason)
        before = last(path).seq
        await pilot.press("enter")  # an empty reason is refused
        assert isinstance(app.screen, OverrideReason) and last(path).seq == before
        app.screen.query_one(Input).value = "canary noise"
        await pilot.press("enter")
        await pilot.pause()
        command = last(path)
        assert command.type == EventType.OPERATOR_OVERRODE
        assert command.data == {"reason": "canary noise"}
        assert "OperatorOverrode" in tail_text(app) and "canary noise" in tail_text(app)


@synchronous
async def test_x_asks_before_aborting(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("normal")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        before = last(path).seq
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmAbort)
        await pilot.press("escape")
        assert last(path).seq == before
        await pilot.press("x")
        await pilot.click("#confirm")
        await pilot.pause()
        command = last(path)
        assert command.type == EventType.OPERATOR_ABORTED
        answer(path, command, EventType.ROLLOUT_ABORTED, reason="aborted from the TUI", by=command.actor)
        app.poll()
        await pilot.pause()
        assert "ABORTED" in header_text(app)
        assert "ROLLOUT ABORTED" in banner_text(app)


@synchronous
async def test_f_filters_the_host_table_by_fleet_and_state(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("normal")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#hosts")
        assert table.row_count == 24
        await pilot.press("f")
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#fleet", Select).value = "old"
        dialog.query_one("#state", Select).value = "draining"
        await pilot.click("#apply")
        await pilot.pause()
        assert table.row_count == 4
        assert "old · draining" in str(table.border_title)
        await pilot.press("f")
        await pilot.click("#clear")
        await pilot.pause()
        assert table.row_count == 24


@synchronous
async def test_t_and_header_clicks_sort_the_host_table(scene_db: Callable[[str], Path]) -> None:
    app = RolloutApp(scene_db("normal"))
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one("#hosts")
        await pilot.press("t")
        assert "sort state" in str(table.border_title)
        first = table.get_row_at(0)
        assert first[2].plain == "healthy"


@synchronous
async def test_help_opens_and_closes(scene_db: Callable[[str], Path]) -> None:
    app = RolloutApp(scene_db("normal"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@synchronous
async def test_q_quits_an_attached_view_without_asking(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("normal")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        before = last(path).seq
        await pilot.press("q")
    assert app.return_value is not None and app.return_value.choice is None
    assert last(path).seq == before


@synchronous
async def test_the_palette_offers_the_rollout_actions(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("normal")
    app = RolloutApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"pause rollout")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert last(path).type == EventType.OPERATOR_PAUSED
