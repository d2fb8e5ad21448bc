"""Headless output for the engine: JSON lines, a progress bar on a terminal, or plain lines in a pipe."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rollout_tui.domain.events import Event, EventType
from rollout_tui.domain.projection import RolloutProjection


def json_line(event: Event) -> str:
    """One event as the JSON object `run --headless --json` prints."""
    return json.dumps(event.as_json(), separators=(",", ":"))


def _planned(e: Event, d: dict[str, Any]) -> str:
    return f"rollout {e.rollout_id} planned ({d['plan']['name']})"


def _boot(e: Event, d: dict[str, Any]) -> str:
    extra = f", replacing {d['replaces']}" if d.get("replaces") else ""
    return f"boot {d['count']} host(s): new fleet desired {d['desired']}{extra}"


def _drain(e: Event, d: dict[str, Any]) -> str | None:
    if not d.get("first_of_step"):
        return None  # one line per drain step, not per host
    return f"drain step {d['step']}: {d['batch_size']} host(s) (limit {d['budget']['limit']})"


def _gate(e: Event, d: dict[str, Any]) -> str:
    return f"{e.type}: {d.get('reason', '')}"


def _provider(e: Event, d: dict[str, Any]) -> str:
    return f"{e.type} {d.get('operation', '')}: {d.get('detail', '')}"


def _operator(e: Event, d: dict[str, Any]) -> str:
    who = f" by {d['by']}" if d.get("by") else ""
    why = f": {d['reason']}" if d.get("reason") else ""
    return f"{e.type}{who}{why}"


LineOf = Callable[[Event, dict[str, Any]], str | None]
"""Words for an event given it and its data (without the time in front), or None when it gets no line."""

LINES: dict[str, LineOf] = {
    EventType.ROLLOUT_PLANNED: _planned,
    EventType.STAGE_CHANGED: lambda e, d: f"stage: {d['stage']}",
    EventType.BOOT_REQUESTED: _boot,
    EventType.BASELINE_MEASURED: lambda e, d: (
        f"warning baseline {d['baseline_per_minute']:.1f}/min over {d['window_seconds']:g}s"
    ),
    EventType.DRAIN_STARTED: _drain,
    EventType.DRAIN_DEFERRED: lambda e, d: f"drain deferred: {d['limit']} allows 0 ({d['wanted']} waiting)",
    EventType.GATE_BLOCKED: _gate,
    EventType.GATE_HELD: _gate,
    EventType.GATE_CLEARED: _gate,
    EventType.GATE_OVERRIDDEN: _gate,
    EventType.HOST_FAILED: lambda e, d: f"host {d['host_id']} failed: {d.get('reason', '')}",
    EventType.API_THROTTLED: _provider,
    EventType.PROVIDER_ERROR: _provider,
    EventType.ROLLOUT_PAUSED: _operator,
    EventType.ROLLOUT_RESUMED: _operator,
    EventType.ROLLOUT_ABORTED: _operator,
    EventType.COMMAND_REJECTED: _operator,
    EventType.ROLLOUT_COMPLETED: lambda e, d: (
        f"rollout completed in {d['duration_seconds'] / 60:.1f} min of event time"
    ),
}

"""How `describe` words each event type it may give a line for; it gives None for every other type."""


def describe(event: Event) -> str | None:
    """A one-line account of the events a person running headless wants to see; None for the rest.

    A lookup rather than a `match`: the live screen describes every event it folds, a thousand at a time.
    """
    line = LINES.get(event.type)
    if line is None:
        return None
    text = line(event, event.data)
    return None if text is None else f"{event.at[11:19]} {text}"


class HeadlessOutput:
    """Feeds engine events to stdout in the chosen form; `tick()` refreshes the progress bar."""

    def __init__(self, out: IO[str], *, as_json: bool, tty: bool) -> None:
        self.out = out
        """Where to write."""
        self.as_json = as_json
        """Print every event as a JSON line."""
        self.progress: Progress | None = None
        """The progress bar, on a terminal without --json."""
        self._tasks: dict[str, Any] = {}
        if tty and not as_json:
            console = Console(file=out)
            self.progress = Progress(
                TextColumn("{task.description:<22}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                console=console,
            )

    def __enter__(self) -> HeadlessOutput:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def on_event(self, event: Event) -> None:
        if self.as_json:
            self.out.write(json_line(event) + "\n")
            self.out.flush()
            return
        line = describe(event)
        if line is None:
            return
        if self.progress is not None:
            self.progress.console.print(line, highlight=False, markup=False)
        else:
            self.out.write(line + "\n")
            self.out.flush()

    def tick(self, fold: RolloutProjection) -> None:
        """Redraw the bars from the projection."""
        if self.progress is None or fold.plan is None:
            return
        target = int(fold.plan["fleets"]["target_size"])
        new_ok = fold.counts["new"]["healthy"]
        old_total = sum(fold.counts["old"].values())
        old_done = fold.counts["old"]["terminated"]
        gate = fold.gate_state.value
        note = f"{fold.phase}, gate {gate}, {fold.warnings_per_minute:.1f} warnings/min"
        self._bar("new fleet healthy", new_ok, target, note)
        self._bar(
            "old fleet retired", old_done, max(old_total, 1), f"{fold.counts['old']['draining']} draining"
        )

    def _bar(self, name: str, done: int, total: int, note: str) -> None:
        assert self.progress is not None
        if name not in self._tasks:
            self._tasks[name] = self.progress.add_task(name, total=total, note=note)
        self.progress.update(self._tasks[name], completed=done, total=total, note=note)


def summary_line(fold: RolloutProjection) -> str:
    """The closing line of a headless run."""
    apps = fold.apps
    app_text = f", apps {apps['healthy']} healthy / {apps['corrupted']} corrupted" if apps else ""
    return (
        f"rollout {fold.rollout_id} {fold.phase} at seq {fold.seq}: "
        f"new {fold.counts['new']['healthy']} healthy, old {fold.counts['old']['terminated']} retired, "
        f"peak {fold.peak_warnings_per_minute:.1f} warnings/min{app_text}"
    )
