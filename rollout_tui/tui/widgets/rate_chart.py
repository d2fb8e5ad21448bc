"""A warning-rate sparkline with the gate's threshold drawn across it."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from rollout_tui.tui.feed import RatePoint

_EIGHTHS = " ▁▂▃▄▅▆▇█"


def chart_rows(values: Sequence[float], threshold: float | None, width: int, height: int) -> list[Text]:
    """`height` rows of `width` cells, top first: bars of the newest values, a dashed threshold row."""
    shown = list(values)[-width:] if width > 0 else []
    top = max([*shown, (threshold or 0.0) * 1.25, 1.0])
    limit_row = None
    if threshold is not None:
        limit_row = min(height - 1, int(threshold / top * height))
    rows: list[Text] = []
    pad = width - len(shown)
    for row in range(height - 1, -1, -1):
        text = Text(no_wrap=True)
        dash = "╌" if row == limit_row else " "
        text.append(dash * pad, "yellow")
        for value in shown:
            eighths = round(value / top * height * 8) - row * 8
            over = threshold is not None and value > threshold
            if eighths <= 0:
                text.append(dash, "yellow")
            else:
                text.append(_EIGHTHS[min(8, eighths)], "bold red" if over else "green")
        rows.append(text)
    return rows


class RateChart(Widget):
    """Warnings per minute over the recent readings; red where a reading was above the threshold."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[RatePoint] = []
        """The readings drawn, oldest first."""
        self.threshold: float | None = None
        """The gate's threshold, when it has one."""
        self.peak = 0.0
        """The highest rate of the rollout."""
        self.baseline: float | None = None
        """The baseline measured before draining."""
        self._last: tuple[object, ...] | None = None

    def show(
        self, points: Sequence[RatePoint], threshold: float | None, peak: float, baseline: float | None
    ) -> None:
        """Redraw if a reading or the threshold changed."""
        key = (len(points), points[-1] if points else None, threshold, baseline)
        if key == self._last:
            return
        self._last = key
        self.points, self.threshold, self.peak, self.baseline = list(points), threshold, peak, baseline
        self.refresh()

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        caption = Text(no_wrap=True, overflow="ellipsis")
        now = self.points[-1].rate if self.points else 0.0
        over = self.threshold is not None and now > self.threshold
        caption.append("warnings/min ", "bold")
        caption.append(f"{now:.1f}", "bold red" if over else "bold green")
        caption.append(f"  peak {self.peak:.1f}", "dim")
        if self.threshold is not None:
            caption.append("  threshold ", "dim")
            caption.append(f"{self.threshold:.1f}", "yellow")
            caption.append(" ╌╌", "yellow")
        else:
            caption.append("  no gate threshold", "dim")
        if self.baseline is not None:
            caption.append(f"  baseline {self.baseline:.1f}", "dim")
        rows = chart_rows([p.rate for p in self.points], self.threshold, width, max(0, height - 1))
        return Text("\n").join([caption, *rows])
