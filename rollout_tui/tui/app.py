"""The Textual app: folds the log into the live screen on a timer and sends operator commands.

The log is the single source of truth. Whether this process drives the rollout (the engine runs in a
thread worker with its own connection) or attaches to one driven elsewhere, the UI thread reads the log
with its own connection every `poll_seconds`, folds whatever arrived into its own projection, and applies
it to the screen in one batch. An in-process engine also hands over, after every tick, the events it has
just folded (they are already in the log), so the UI folds them without reading them back. Commands go
through `send_command` on the UI thread's connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import App

from rollout_tui.domain.events import Event
from rollout_tui.domain.projection import GateState, RolloutProjection
from rollout_tui.domain.rollout import FINAL_PHASES
from rollout_tui.engine.commands import send_command
from rollout_tui.engine.engine import Engine
from rollout_tui.errors import ExitCode, RolloutError
from rollout_tui.store.log import EventLog
from rollout_tui.tui.base import RolloutViewApp
from rollout_tui.tui.feed import Batch, LiveFeed
from rollout_tui.tui.messages import EngineStopped, EngineTicked
from rollout_tui.tui.palette import RolloutCommands
from rollout_tui.tui.screens.dialogs import ConfirmAbort, OverrideReason, QuitChoice, QuitDialog
from rollout_tui.tui.screens.help import HelpScreen
from rollout_tui.tui.screens.live import LiveScreen

EngineFactory = Callable[[EventLog], Engine]
"""Builds the engine on the worker thread, with the worker's own connection."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the TUI ended, for the CLI to act on."""

    code: int
    """Exit code (DESIGN.md)."""
    choice: QuitChoice | None
    """What the operator chose for a rollout this process drove; None when there was nothing to choose."""
    rollout_id: str | None
    """The rollout shown."""


class RolloutApp(RolloutViewApp[Outcome]):
    """The live view of one rollout, driving its engine in a worker or attached to one elsewhere."""

    TITLE = "rollout-tui"
    COMMANDS = App.COMMANDS | {RolloutCommands}

    def __init__(
        self,
        db_path: str | Path,
        *,
        rollout_id: str | None = None,
        engine_factory: EngineFactory | None = None,
        poll_seconds: float = 0.25,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        """The event log."""
        self.engine_factory = engine_factory
        """Set when this process drives the rollout; None when attached."""
        self.poll_seconds = poll_seconds
        """How often the log is read (the in-process engine also nudges a read after every tick)."""
        self.feed = LiveFeed(rollout_id)
        """The rollout's state and histories, folded from the log."""
        self.log_conn: EventLog | None = None
        """The UI thread's own connection (opened on mount)."""
        self.engine_running = False
        """True while the in-process engine's worker runs."""
        self.engine_code: int | None = None
        """The in-process engine's exit code once it stopped."""
        self._stop = threading.Event()
        self._quitting: QuitChoice | None = None
        self._pause_seq: int | None = None
        self._shown_once = False
        self._controls: tuple[object, ...] | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.log_conn = EventLog(self.db_path, create=False)
        if self.feed.rollout_id is None:
            self.feed.fold.rollout_id = self.log_conn.latest_rollout_id()
        await self.push_screen(LiveScreen(mode="engine here" if self.engine_factory else "attached"))
        self.poll()
        self.set_interval(self.poll_seconds, self.poll)
        if self.engine_factory is not None:
            self.engine_running = True
            self.run_engine()

    def on_unmount(self) -> None:
        self._stop.set()
        if self.log_conn is not None:
            self.log_conn.close()

    @property
    def live(self) -> LiveScreen:
        """The live screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, LiveScreen))

    def poll(self) -> Batch:
        """Fold in what the log gained since the last poll and show it in one refresh."""
        assert self.log_conn is not None
        if self.feed.rollout_id is None:
            self.feed.fold.rollout_id = self.log_conn.latest_rollout_id()
        feed, log = self.feed, self.log_conn
        return self._show(feed.start(log) if feed.fold.seq == 0 else feed.pull(log))

    def take(self, after: int, events: Sequence[Event]) -> Batch:
        """Show events the in-process engine folded since seq `after` without reading them again."""
        assert self.log_conn is not None
        if self.feed.rollout_id is None:
            return self.poll()
        return self._show(self.feed.take(after, events, self.log_conn))

    def _show(self, batch: Batch) -> Batch:
        if not self._shown_once or batch.events or batch.whole:
            self.live.show(self.feed, batch, full=not self._shown_once or batch.whole)
            self._shown_once = True
            fold = self.feed.fold
            controls = (fold.phase, fold.gate_state, fold.rollout_id)
            if controls != self._controls:  # the footer recomposes: only when what is allowed changed
                self._controls = controls
                self.refresh_bindings()
            self._continue_quit()
        return batch

    # -- the in-process engine -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def run_engine(self) -> None:
        """Drive the rollout on this worker's own connection until it ends or the app asks it to stop."""
        assert self.engine_factory is not None
        try:
            with EventLog(self.db_path) as log:
                engine = self.engine_factory(log)
                code = engine.run(should_stop=self._stop.is_set, after_tick=self._hand_over(engine))
        except RolloutError as err:
            self.post_message(EngineStopped(int(err.code), str(err)))
        except Exception as err:  # shown to the operator, never a silent dead engine
            self.post_message(EngineStopped(1, f"{type(err).__name__}: {err}"))
        else:
            self.post_message(EngineStopped(int(code), None))

    def _hand_over(self, engine: Engine) -> Callable[[RolloutProjection], None]:
        """Collect what the engine folds (on its thread) and post it to the app after every tick."""
        folded: list[Event] = []
        also = engine.on_event
        handed = engine.projection.seq

        def collect(event: Event) -> None:
            folded.append(event)
            if also is not None:
                also(event)

        def ticked(fold: RolloutProjection) -> None:
            nonlocal handed
            events = tuple(folded)
            folded.clear()
            self.post_message(EngineTicked(fold.seq, handed, events))
            handed = fold.seq

        engine.on_event = collect
        return ticked

    @on(EngineTicked)
    def _ticked(self, message: EngineTicked) -> None:
        self.take(message.after, message.events)

    @on(EngineStopped)
    def _engine_stopped(self, message: EngineStopped) -> None:
        self.engine_running = False
        self.engine_code = message.code
        self.poll()
        if message.error is not None:
            if message.code == ExitCode.LEASE_HELD:
                self.notify(f"{message.error}: showing it attached", title="engine", timeout=10)
                self.live.header.mode = "attached"
            else:
                self.notify(message.error, title="engine stopped", severity="error", timeout=30)
        if self._quitting is not None:
            self._finish(self._quitting)

    # -- commands ------------------------------------------------------------------------------------

    def send(self, command: str, reason: str = "") -> Event | None:
        """Append an operator command; the engine answers within a tick. None if it was refused."""
        assert self.log_conn is not None
        try:
            event = send_command(self.log_conn, command, rollout_id=self.feed.rollout_id, reason=reason)
        except RolloutError as err:
            self.notify(str(err), title=f"{command} refused", severity="error")
            return None
        self.notify(f"{event.type} recorded at seq {event.seq}", title=command)
        self.poll()
        return event

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out commands that cannot apply now (the engine would only reject them)."""
        fold = self.feed.fold
        final = fold.phase in FINAL_PHASES
        closed = fold.gate_state is not GateState.OPEN
        enabled = {
            "pause": not final and fold.status.can("pause"),
            "resume": fold.phase == "paused",
            "step": not final and (fold.plan or {}).get("engine", {}).get("mode") == "manual",
            "approve": not final and closed,
            "override": not final and closed,
            "abort": not final and fold.rollout_id is not None,
        }.get(action)
        return None if enabled is False else True

    def action_pause(self) -> None:
        self.send("pause", "paused from the TUI")

    def action_resume(self) -> None:
        self.send("resume")

    def action_step(self) -> None:
        self.send("step")

    def action_approve(self) -> None:
        self.send("approve")

    def action_override(self) -> None:
        def done(reason: object) -> None:
            if isinstance(reason, str):
                self.send("override", reason)

        self.push_screen(OverrideReason(self.feed.fold.gate_reason), done)

    def action_abort(self) -> None:
        def done(confirmed: object) -> None:
            if confirmed is True:
                self.send("abort", "aborted from the TUI")

        self.push_screen(ConfirmAbort(self.feed.rollout_id or "?"), done)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # -- quitting ------------------------------------------------------------------------------------

    def action_quit(self) -> None:  # type: ignore[override]
        """Quit; if this process drives an unfinished rollout, ask whether to pause it or keep it going."""
        if not self.engine_running or self.feed.fold.phase in FINAL_PHASES:
            self._finish(None)
            return

        def chosen(choice: object) -> None:
            if choice == QuitChoice.PAUSE:
                self._pause_then_quit()
            elif choice == QuitChoice.HEADLESS:
                self._quitting = QuitChoice.HEADLESS
                self.notify("stopping the engine here; it goes on headless", title="quit")
                self._stop.set()

        self.push_screen(QuitDialog(), chosen)

    def _pause_then_quit(self) -> None:
        if self.feed.fold.phase == "paused":
            self._quitting = QuitChoice.PAUSE
            self._stop.set()
            return
        event = self.send("pause", "paused on quitting the TUI")
        if event is None:
            return
        self._quitting, self._pause_seq = QuitChoice.PAUSE, event.seq
        self.notify("waiting for the engine to confirm the pause…", title="quit")

    def _continue_quit(self) -> None:
        """Once the engine has answered the pause, stop it; quit when it has stopped."""
        seq = self._pause_seq
        fold = self.feed.fold
        if seq is None or seq not in fold.handled_commands:
            return
        self._pause_seq = None
        if fold.phase != "paused" and fold.phase not in FINAL_PHASES:
            self._quitting = None
            self.notify("the engine refused the pause: still running", title="quit", severity="error")
            return
        self._stop.set()
        if not self.engine_running:
            self._finish(QuitChoice.PAUSE)

    def _finish(self, choice: QuitChoice | None) -> None:
        phase = self.feed.fold.phase
        if self.engine_code is not None and choice is None:
            code = self.engine_code
        else:
            code = ExitCode.ABORTED if phase == "aborted" else ExitCode.OK
        self.exit(Outcome(int(code), choice, self.feed.rollout_id))
