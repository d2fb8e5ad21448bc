"""The host table shows what the log says as it changes, not what it said when the row was first drawn."""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from textual.geometry import Region
from textual.widgets import DataTable

from rollout_tui.domain.events import EventType
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.store.log import EventLog
from rollout_tui.tui.app import RolloutApp
from rollout_tui.tui.widgets.host_table import HostTable
from tests.tui.scenes import Scene, normal
from tests.tui.test_controls import synchronous


@synchronous
async def test_rows_on_screen_follow_their_hosts_through_a_whole_rollout(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with EventLog(db) as log:
        engine = start_rollout(load_plan("calm"), log, holder="test", rollout_id="calm-test")
        engine.lease.acquire("2026-01-01T00:00:00Z")
        engine.begin()
        engine.tick()
        app = RolloutApp(db, poll_seconds=3600)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            table = app.live.query_one(HostTable)

            def screen_rows() -> list[str]:
                strips = table.render_lines(Region(0, 0, table.size.width, table.size.height))
                return [s.text for s in strips if " old " in s.text or " new " in s.text]

            assert screen_rows() and all(" healthy " in row for row in screen_rows())
            while not engine.finished:
                engine.clock.sleep(30)
                engine.tick()
                app.poll()
                await pilot.pause()
            rows = screen_rows()
            assert rows
            first_old = [row for row in rows if " old " in row]
            assert first_old and all(" terminated " in row for row in first_old), first_old


@synchronous
async def test_rows_off_screen_are_right_when_scrolled_to_read_or_sorted(tmp_path: Path) -> None:
    """Changed rows off screen are written only when needed; whatever needs them sees the new state."""
    scene = Scene(tmp_path / "r.db", old=300)
    scene.rollout(0, EventType.ROLLOUT_PLANNED, plan=scene.plan.as_data(), provider={})
    scene.rollout(0, EventType.ROLLOUT_STARTED)
    scene.hosts(0, EventType.HOST_DISCOVERED, scene.old, fleet="old", state="healthy", apps=40)
    first, far = scene.old[0], scene.old[290]
    app = RolloutApp(tmp_path / "r.db", poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.live.query_one(HostTable)

        def screen_rows() -> list[str]:
            strips = table.render_lines(Region(0, 0, table.size.width, table.size.height))
            return [s.text for s in strips if " old " in s.text]

        scene.hosts(1, EventType.DRAIN_STARTED, [first, far])
        app.poll()
        await pilot.pause()
        assert any(first in row and " draining " in row for row in screen_rows())
        assert table.get_row(far)[2].plain == "draining"  # type: ignore[union-attr]

        scene.hosts(2, EventType.HOST_DRAINED, [far])
        app.poll()
        table.scroll_end(animate=False)
        await pilot.pause()
        assert any(far in row and " drained " in row for row in screen_rows())

        middle = scene.old[150]  # off screen, never drawn since it changed
        scene.hosts(3, EventType.DRAIN_STARTED, [middle])
        app.poll()
        table.order_by("state")
        await pilot.pause()
        ranked = [str(key.value) for key in sorted(table.rows, key=table.get_row_index)]
        assert set(ranked[-3:]) == {first, far, middle}, ranked[-3:]
    scene.close()


@synchronous
async def test_cells_drawn_directly_match_what_data_table_draws(tmp_path: Path) -> None:
    """The table's own cell layout gives the segments `DataTable` would, cursor and hover included."""
    scene = normal(tmp_path / "r.db")
    app = RolloutApp(tmp_path / "r.db", poll_seconds=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.live.query_one(HostTable)
        base = table.rich_style
        widths = [column.get_render_width(table) for column in table.ordered_columns]
        compared = 0
        for row in range(table.row_count):
            for column, width in enumerate(widths):
                for cursor, hover in ((False, False), (True, False), (False, True)):
                    table._cell_render_cache.clear()
                    ours = table._render_cell(row, column, base, width, cursor, hover)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                    assert [list(Segment.simplify(line)) for line in ours] == [
                        list(Segment.simplify(line)) for line in theirs
                    ], (row, column, cursor, hover)
                    compared += 1
        assert compared == table.row_count * len(widths) * 3 > 0
    scene.close()
