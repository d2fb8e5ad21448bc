"""The replay TUI: stepping, decisions, seeking, playing, following, and that it never writes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input

from rollout_tui.domain.events import Event, EventType, NewEvent, operator_stream
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay
from rollout_tui.tui.replay_app import ReplayApp
from rollout_tui.tui.screens.dialogs import SeekDialog
from rollout_tui.tui.screens.help import HelpScreen
from rollout_tui.tui.widgets.event_tail import EventTail
from rollout_tui.tui.widgets.replay_bar import ReplayBar
from tests.tui.scenes import RID, at
from tests.tui.test_controls import drawn, synchronous

SIZE = (120, 40)


def events(path: Path) -> list[Event]:
    with EventLog(path, readonly=True) as log:
        return list(log.read())


def first_seq(path: Path, type_: str) -> int:
    return next(e.seq for e in events(path) if e.type == type_)


def bar(app: ReplayApp) -> str:
    return str(app.view.query_one(ReplayBar).render())


def open_replay(path: Path, at: int | None = None) -> ReplayApp:
    """No timers: polls and play frames happen only when the test calls them."""
    return ReplayApp(path, at=at, poll_seconds=None, frame_seconds=None)


def state_at(path: Path, seq: int) -> dict[str, object]:
    with EventLog(path, readonly=True) as log:
        return replay(log, RID, at=seq, use_snapshots=False).state_dict()


@synchronous
async def test_replay_opens_at_the_end_and_says_as_of_which_seq_and_time(
    scene_db: Callable[[str], Path],
) -> None:
    path = scene_db("held")
    last = events(path)[-1]
    app = open_replay(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.cursor.seq == last.seq
        assert f"as of seq {last.seq}, time {last.at[11:19]}" in bar(app)
        assert "at decision: GateHeld" in bar(app)
        assert "replay" in drawn(app.view.query_one("#header"))


@synchronous
async def test_arrows_step_one_event_forward_and_back_and_the_screen_follows(
    scene_db: Callable[[str], Path],
) -> None:
    path = scene_db("held")
    app = open_replay(path, at=30)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right")
        assert app.cursor.seq == 31
        assert "as of seq 31," in bar(app)
        assert app.cursor.feed.fold.state_dict() == state_at(path, 31)
        await pilot.press("left", "left")
        assert app.cursor.seq == 29
        assert "as of seq 29," in bar(app)
        assert app.cursor.feed.fold.state_dict() == state_at(path, 29)


@synchronous
async def test_n_and_shift_n_jump_to_the_next_and_previous_decision(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    blocked = first_seq(path, EventType.GATE_BLOCKED)
    drain = next(e.seq for e in events(path) if e.data.get("stage") == "drain")
    app = open_replay(path, at=drain)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert app.cursor.seq == blocked
        assert app.cursor.feed.fold.gate_state == "blocked"
        assert "at decision: GateBlocked" in bar(app)
        await pilot.press("n")
        assert app.cursor.seq == first_seq(path, EventType.GATE_HELD)
        await pilot.press("N", "N")
        assert app.cursor.seq == drain
        assert "at decision: stage drain" in bar(app)
        await pilot.press("right")
        assert "last decision: stage drain" in bar(app)


@synchronous
async def test_seek_dialog_goes_to_a_time_or_a_seq(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    app = open_replay(path)
    async with app.run_test(size=SIZE) as pilot:
        for typed, expected in (
            ("00:14:00", first_seq(path, EventType.GATE_BLOCKED)),
            ("#12", 12),
            ("+0:09:00", max(e.seq for e in events(path) if e.at <= at(9))),
            (at(2), max(e.seq for e in events(path) if e.at <= at(2))),
        ):
            await pilot.press("colon")
            assert isinstance(app.screen, SeekDialog)
            app.screen.query_one(Input).value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert app.cursor.seq == expected, typed
            assert f"as of seq {expected}," in bar(app)
        await pilot.press("colon")
        app.screen.query_one(Input).value = "yesterday"
        await pilot.press("enter")
        assert isinstance(app.screen, SeekDialog)  # refused, the dialog stays
        await pilot.press("escape")
        assert app.cursor.seq == expected


@synchronous
async def test_home_and_end_go_to_the_first_and_last_event(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    app = open_replay(path, at=40)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("home")
        assert app.cursor.seq == 1
        await pilot.press("end")
        assert app.cursor.seq == events(path)[-1].seq


@synchronous
async def test_play_folds_the_events_within_speed_times_elapsed_event_time(
    scene_db: Callable[[str], Path],
) -> None:
    path = scene_db("held")
    start = max(e.seq for e in events(path) if e.at <= at(8))
    app = open_replay(path, at=start)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("minus")  # 10x -> 5x
        await pilot.press("space")
        assert "▶ 5x" in bar(app)
        app.advance(6.0)  # 6 s at 5x: 30 s of event time
        await pilot.pause()
        assert app.cursor.seq == max(e.seq for e in events(path) if e.at <= at(8.5))
        await pilot.press("plus", "plus")  # 20x
        app.advance(30.0)  # 10 more minutes: past the end, so playing stops there
        await pilot.pause()
        assert app.cursor.at_end
        assert not app.player.playing
        assert "‖ 20x" in bar(app)


@synchronous
async def test_play_does_nothing_until_started_and_space_pauses_it(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    app = open_replay(path, at=20)
    async with app.run_test(size=SIZE) as pilot:
        assert app.advance(600.0) is None
        assert app.cursor.seq == 20
        await pilot.press("space", "space")
        app.advance(600.0)
        assert app.cursor.seq == 20


@synchronous
async def test_follow_shows_events_appended_while_the_replay_is_open(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    last = events(path)[-1].seq
    app = open_replay(path, at=10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("F")
        assert app.cursor.seq == last
        assert "FOLLOW" in bar(app)
        with EventLog(path) as writer:
            writer.append(
                NewEvent(RID, operator_stream(RID), EventType.OPERATOR_APPROVED, at(16), "operator:ann@host")
            )
        assert app.poll() == 1
        await pilot.pause()
        assert app.cursor.seq == last + 1
        assert f"as of seq {last + 1}," in bar(app)
        assert "at decision: OperatorApproved by operator:ann@host" in bar(app)
        tail = "\n".join(line.text for line in app.view.query_one(EventTail).lines)
        assert "OperatorApproved by operator:ann@host" in tail
        await pilot.press("left")  # a move by hand stops following
        assert "FOLLOW" not in bar(app)


def _files(path: Path) -> dict[str, bytes]:
    """The log's bytes: the database and its write-ahead log (the -shm index changes on every read)."""
    return {p.name: p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()}


@synchronous
async def test_replay_never_appends_whatever_is_pressed(scene_db: Callable[[str], Path]) -> None:
    path = scene_db("held")
    before, last = _files(path), events(path)[-1].seq
    app = open_replay(path, at=40)
    async with app.run_test(size=SIZE) as pilot:
        assert app.log_conn is not None and app.log_conn.readonly
        for key in ("p", "r", "s", "a", "o", "x", "right", "left", "n", "N", "space", "plus", "minus"):
            await pilot.press(key)
        app.advance(60.0)
        for key in ("home", "end", "F", "F", "t", "less_than_sign", "greater_than_sign"):
            await pilot.press(key)
        for key in ("colon", "f", "question_mark"):
            await pilot.press(key)
            await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.press("escape")
        app.poll()
        await pilot.press("q")
    assert app.return_value == 0
    assert events(path)[-1].seq == last
    assert _files(path) == before


@synchronous
async def test_help_and_palette_list_the_replay_controls(scene_db: Callable[[str], Path]) -> None:
    app = open_replay(scene_db("held"), at=20)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert {"← / h", "→ / l", "n", "N", "space", "+ / =", ":", "home / <", "end / >", "F"} <= set(keys)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.press(*"next decision", "enter")
        await pilot.pause()
        assert app.cursor.seq > 20 and app.cursor.at_decision  # the palette ran the action
