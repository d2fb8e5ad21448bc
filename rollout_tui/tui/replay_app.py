"""The replay TUI: the live screen's widgets fed from the log as of any seq, read-only.

The log is opened read-only and the app has no operator commands, so nothing here can append. Moving
forward folds the events in between; moving back or seeking rebuilds from the nearest snapshot (see
`replay.cursor`). Play runs an event-time clock: a Textual timer calls `advance(real_seconds)` with the real
time since its last call, and tests call `advance` directly. Follow mode polls the log for appended events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.timer import Timer

from rollout_tui.domain.projection import ReplayError
from rollout_tui.providers.base import parse_iso
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import resolve_rollout
from rollout_tui.tui.base import RolloutViewApp
from rollout_tui.tui.feed import Batch
from rollout_tui.tui.palette import REPLAY_ACTIONS, ReplayCommands
from rollout_tui.tui.replay.cursor import ReplayCursor
from rollout_tui.tui.replay.player import Player
from rollout_tui.tui.replay.seek import HELP as SEEK_HELP
from rollout_tui.tui.replay.seek import SeekTarget, parse_target
from rollout_tui.tui.screens.dialogs import SeekDialog
from rollout_tui.tui.screens.help import REPLAY_NOTES, HelpScreen
from rollout_tui.tui.screens.replay import REPLAY_BINDINGS, ReplayScreen
from rollout_tui.tui.widgets.replay_bar import Position, ReplayBar

_KEY_NAMES = {"less_than_sign": "<", "greater_than_sign": ">", "equals_sign": "=", "question_mark": "?"}


def replay_keys() -> tuple[tuple[str, str], ...]:
    """The help screen's rows: each replay key (and its alternates) and what its action does."""
    helps = {action: text for _title, action, text in REPLAY_ACTIONS}
    rows = []
    for binding in REPLAY_BINDINGS:
        assert isinstance(binding, Binding)
        first, *others = binding.key.split(",")
        shown = [binding.key_display or first, *(_KEY_NAMES.get(k, k) for k in others)]
        rows.append((" / ".join(dict.fromkeys(shown)), helps[binding.action.removeprefix("app.")]))
    return (*rows, ("ctrl+p", "Command palette: every action above by name."))


class ReplayApp(RolloutViewApp[int]):
    """A rollout as of any seq of its log: step, jump between decisions, play, seek, follow."""

    TITLE = "rollout-tui replay"
    COMMANDS = App.COMMANDS | {ReplayCommands}

    def __init__(
        self,
        db_path: str | Path,
        *,
        rollout_id: str | None = None,
        at: int | None = None,
        poll_seconds: float | None = 0.5,
        frame_seconds: float | None = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        """The event log (opened read-only)."""
        self.requested_rollout = rollout_id
        """The rollout asked for; None shows the newest."""
        self.start_at = at
        """The seq to open at; None opens at the end."""
        self.poll_seconds = poll_seconds
        """How often the log is checked for appended events; None: only when `poll()` is called."""
        self.frame_seconds = frame_seconds
        """How often the play timer calls `advance`; None: only when `advance()` is called (tests)."""
        self.clock = clock
        """Real time in seconds, for the play timer."""
        self.player = Player()
        """The play clock and speed."""
        self.following = False
        """Whether appended events are folded in as they arrive."""
        self.log_conn: EventLog | None = None
        """The read-only connection (opened on mount)."""
        self._cursor: ReplayCursor | None = None
        self._frame: Timer | None = None
        self._last_frame = 0.0

    # -- lifecycle -----------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.log_conn = EventLog(self.db_path, readonly=True)
        rid = resolve_rollout(self.log_conn, self.requested_rollout)
        self._cursor = ReplayCursor(self.log_conn, rid)
        await self.push_screen(ReplayScreen())
        self._move(lambda c: c.goto(c.last if self.start_at is None else self.start_at), full=True)
        if self.poll_seconds is not None:
            self.set_interval(self.poll_seconds, self.poll)
        if self.frame_seconds is not None:
            self._frame = self.set_interval(self.frame_seconds, self._tick, pause=True)

    def on_unmount(self) -> None:
        if self.log_conn is not None:
            self.log_conn.close()

    @property
    def cursor(self) -> ReplayCursor:
        """Where the replay stands."""
        assert self._cursor is not None
        return self._cursor

    @property
    def view(self) -> ReplayScreen:
        """The replay screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, ReplayScreen))

    # -- showing -------------------------------------------------------------------------------------

    def _move(self, how: Callable[[ReplayCursor], Batch | None], *, full: bool = False) -> bool:
        """Move the cursor and show where it landed; False (with a notice) if the log cannot be folded."""
        try:
            batch = how(self.cursor)
        except ReplayError as err:
            self.player.stop()
            self.notify(f"illegal event at {err}; run `rollout-tui verify`", severity="error", timeout=15)
            return False
        self.view.show(self.cursor.feed, batch or Batch(), full=full or batch is None)
        self.show_position()
        return True

    def show_position(self) -> None:
        """Redraw the replay bar."""
        cursor, player = self.cursor, self.player
        self.view.query_one(ReplayBar).show(
            Position(
                seq=cursor.seq,
                at=cursor.feed.fold.at,
                first=cursor.first,
                last=cursor.last,
                decision=cursor.decision,
                playing=player.playing,
                speed=player.speed,
                play_clock=player.clock.isoformat() if player.clock and player.playing else None,
                following=self.following,
            )
        )

    def _manual(self) -> None:
        """A move by hand stops playing and following."""
        self.following = False
        self._stop_playing()

    # -- polling and playing -------------------------------------------------------------------------

    def poll(self) -> int:
        """Look for appended events; when following, fold them in. Returns how many seqs the log grew by."""
        grew = self.cursor.refresh_end()
        if grew and self.following:
            self._move(lambda c: c.goto(c.last))
        elif grew:
            self.show_position()
        return grew

    def advance(self, seconds: float) -> Batch | None:
        """Play `seconds` of real time: fold the events whose time falls within speed x seconds."""
        when = self.player.advance(seconds)
        if when is None:
            return None
        result: list[Batch] = []

        def forward(cursor: ReplayCursor) -> Batch:
            result.append(cursor.forward_until(when))
            return result[0]

        self._move(forward)
        if self.cursor.at_end:
            self._stop_playing()
            self.notify("end of the log: F follows new events", title="replay")
            self.show_position()
        return result[0] if result else None

    def _tick(self) -> None:
        now = self.clock()
        elapsed, self._last_frame = now - self._last_frame, now
        self.advance(elapsed)

    def _stop_playing(self) -> None:
        self.player.stop()
        if self._frame is not None:
            self._frame.pause()

    # -- actions -------------------------------------------------------------------------------------

    def action_step_forward(self) -> None:
        self._manual()
        if self.cursor.at_end:
            self.notify("at the newest event", title="replay")
            return
        self._move(lambda c: c.step(forward=True))

    def action_step_back(self) -> None:
        self._manual()
        if self.cursor.seq <= self.cursor.first:
            self.notify("at the first event", title="replay")
            return
        self._move(lambda c: c.step(forward=False))

    def _jump(self, *, forward: bool) -> None:
        self._manual()
        found = self.cursor.find_decision(forward=forward)
        if found is None:
            self.notify(f"no {'later' if forward else 'earlier'} decision", title="replay")
            return
        self._move(lambda c: c.goto(found.seq))

    def action_next_decision(self) -> None:
        self._jump(forward=True)

    def action_previous_decision(self) -> None:
        self._jump(forward=False)

    def action_play(self) -> None:
        if self.player.playing:
            self._stop_playing()
            self.show_position()
            return
        self.following = False
        if self.cursor.at_end:
            self.notify("at the newest event: go back first (home, ←, N)", title="replay")
            return
        at = self.cursor.feed.fold.at or self.cursor.next_time()
        if at is None:
            return
        self.player.play(parse_iso(at))
        if self._frame is not None:
            self._last_frame = self.clock()
            self._frame.resume()
        self.show_position()

    def action_faster(self) -> None:
        self.player.faster()
        self.show_position()

    def action_slower(self) -> None:
        self.player.slower()
        self.show_position()

    def action_start(self) -> None:
        self._manual()
        self._move(lambda c: c.goto(c.first))

    def action_end(self) -> None:
        self._manual()
        self.cursor.refresh_end()
        self._move(lambda c: c.goto(c.last))

    def action_follow(self) -> None:
        if self.following:
            self.following = False
            self.show_position()
            return
        self._stop_playing()
        self.following = True
        self.cursor.refresh_end()
        self._move(lambda c: c.goto(c.last))

    def action_seek(self) -> None:
        started = self.cursor.feed.fold.started_at or self.cursor.feed.fold.at

        def parse(text: str) -> SeekTarget:
            return parse_target(text, parse_iso(started) if started else None)

        self.push_screen(SeekDialog(f"Type a {SEEK_HELP}.", parse), self._seek_to)

    def _seek_to(self, target: object) -> None:
        if not isinstance(target, SeekTarget):
            return
        self.seek(target)

    def seek(self, target: SeekTarget) -> None:
        """Go to a seq, or to the last event at or before an event time."""
        self._manual()
        if target.seq is not None:
            seq = target.seq
            if not self.cursor.first <= seq <= self.cursor.last:
                self.notify(f"seq {seq} is outside this rollout: going to the nearest", title="replay")
        else:
            assert target.when is not None
            seq = self.cursor.seq_at_time(target.when)
        self._move(lambda c: c.goto(seq))

    def action_quit(self) -> None:  # type: ignore[override]
        """Close the replay (nothing to ask: it never drives or writes anything)."""
        self.exit(0)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(replay_keys(), REPLAY_NOTES, "rollout-tui replay: keys"))
