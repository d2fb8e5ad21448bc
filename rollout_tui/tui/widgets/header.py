"""The top line: which rollout, where it stands, and its event time (never wall time)."""

from __future__ import annotations

from rich.text import Text

from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.providers.base import parse_iso
from rollout_tui.tui.widgets.lines import TextLines
from rollout_tui.tui.widgets.style import clock, duration

PHASE_STYLE: dict[str, str] = {
    "planned": "bold white on grey30",
    "running": "bold black on green",
    "paused": "bold black on yellow",
    "blocked": "bold white on red",
    "completed": "bold black on bright_green",
    "aborted": "bold white on dark_red",
}
"""The phase badge's colours."""


class RolloutHeader(TextLines):
    """Rollout id, phase, stage, event time and elapsed event time, and who drives the engine."""

    def __init__(self, *, mode: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = mode
        """`engine here` when this process drives the rollout, `attached` otherwise."""
        self._last: tuple[object, ...] | None = None
        self._text = Text()

    def show(self, fold: RolloutProjection) -> None:
        """Redraw if anything shown changed."""
        key = (fold.rollout_id, fold.phase, fold.stage, fold.at, fold.seq, self.mode)
        if key == self._last:
            return
        self._last = key
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {fold.phase.upper()} ", PHASE_STYLE.get(fold.phase, "bold"))
        text.append(f" {fold.rollout_id or 'waiting for a rollout…'}", "bold")
        text.append(f"  stage {fold.stage}", "")
        text.append(f"  {clock(fold.at)}", "bold cyan")
        if fold.started_at and fold.at:
            end = fold.finished_at or fold.at
            elapsed = (parse_iso(end) - parse_iso(fold.started_at)).total_seconds()
            text.append(f" (+{duration(elapsed)})", "cyan")
        text.append(f"  seq {fold.seq}", "dim")
        text.append(f"  [{self.mode}]", "dim")
        self._text = text
        self.changed()

    def layout(self, width: int) -> list[Text]:
        return [self._text]
