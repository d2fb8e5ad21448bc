"""A few fixed lines of styled text drawn straight to strips, for the widgets that change on every batch.

`Static.update` turns its content into Textual's content model and lays it out on every change; for the
header and the fleet bars, which change with nearly every batch of events, that was most of the cost of a
repaint. These widgets render their lines with Rich's `Text.render` into strips (Textual's line API), once
per change and width.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.text import Span, Text
from textual.strip import Strip
from textual.widget import Widget


def segments(text: Text, console: Console) -> list[Segment]:
    """`text` as segments, its own style under its spans (`Text.render` alone drops it when it has none)."""
    if text.style:
        text = text.copy()
        text.spans.insert(0, Span(0, len(text), text.style))
        text.style = ""
    return list(text.render(console))


class TextLines(Widget):
    """Lines of `Text`, cropped with an ellipsis to the width, laid out by `layout` for that width."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._strips: list[Strip] = []
        self._strips_width = -1
        self._drawn: dict[tuple[object, ...], Strip] = {}
        """Strips of the lines last drawn, by what they show: a line that did not change is not redrawn."""

    def layout(self, width: int) -> list[Text]:
        """The lines to show at `width` cells (subclasses lay out what they last got)."""
        return []

    def changed(self) -> None:
        """What `layout` returns has changed: repaint (no layout pass: the height is fixed)."""
        self._strips_width = -1
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        if width != self._strips_width:
            self._strips = self._render(width)
            self._strips_width = width
        return self._strips[y] if 0 <= y < len(self._strips) else Strip.blank(width, self.rich_style)

    def _render(self, width: int) -> list[Strip]:
        console = self.app.console
        base = self.rich_style
        drawn: dict[tuple[object, ...], Strip] = {}
        strips = []
        for line in self.layout(width):
            key = (width, base, line.plain, line.style, *line.spans)
            strip = self._drawn.get(key)
            if strip is None:
                if line.cell_len > width:
                    line = line.copy()
                    line.truncate(width, overflow="ellipsis")
                styled = Segment.apply_style(segments(line, console), base)
                strip = Strip(styled).adjust_cell_length(width, base)
            drawn[key] = strip
            strips.append(strip)
        self._drawn = drawn
        return strips
