"""Per-fleet progress bars with host counts per state, and the apps' health."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.tui.widgets.lines import TextLines
from rollout_tui.tui.widgets.style import STATE_STYLE


def _states(counts: dict[str, int]) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for state, n in counts.items():
        if n:
            text.append(f"{state} ", "dim")
            text.append(f"{n:,}", STATE_STYLE.get(state, ""))
            text.append("  ")
    return text


def apps_text(apps: dict[str, int] | None) -> Text:
    """`apps 7,990 healthy · 10 corrupted (0.13%)`, red when any app is corrupted."""
    if apps is None:
        return Text("apps: not reported by this provider", "dim")
    healthy, corrupted = apps["healthy"], apps["corrupted"]
    total = healthy + corrupted
    share = corrupted / total if total else 0.0
    text = Text("apps ", "dim")
    text.append(f"{healthy:,} healthy", "green")
    text.append(" · ")
    text.append(f"{corrupted:,} corrupted", "bold red" if corrupted else "green")
    text.append(f" ({share:.2%})", "red" if corrupted else "dim")
    return text


def bar(completed: int, total: int, width: int, style: str) -> Text:
    """A progress bar of `width` cells in half-cell steps: done in `style`, the rest dim."""
    halves = min(width * 2, completed * width * 2 // max(total, 1))
    full, half = divmod(halves, 2)
    text = Text("━" * full, style)
    if half:
        text.append("╸", style)
    text.append("━" * (width - full - half), "grey23")
    return text


@dataclass(frozen=True, slots=True)
class _Fleet:
    label: str
    done: int
    total: int
    count: str
    states: Text
    style: str


class FleetProgress(TextLines):
    """Old fleet retired and new fleet healthy, as bars with the count of hosts in every state."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._last: tuple[object, ...] | None = None
        self._fleets: list[_Fleet] = []
        self._apps = Text()

    def show(self, fold: RolloutProjection) -> None:
        """Redraw if counts or apps changed."""
        key = (
            tuple(tuple(c.values()) for c in fold.counts.values()),
            tuple((fold.apps or {}).values()),
            fold.drain_steps,
        )
        if key == self._last:
            return
        self._last = key
        fleets = (fold.plan or {}).get("fleets", {})
        old, new = fold.counts["old"], fold.counts["new"]
        old_total = sum(old.values())
        retired = old["terminated"]
        target = int(fleets.get("target_size") or sum(new.values()) or 1)
        healthy = new["healthy"]
        retired_text, healthy_text = f"{retired:,}/{old_total:,} retired", f"{healthy:,}/{target:,} healthy"
        self._fleets = [
            _Fleet("old", retired, max(old_total, 1), retired_text, _states(old), "cyan"),
            _Fleet("new", min(healthy, target), target, healthy_text, _states(new), "green"),
        ]
        line = apps_text(fold.apps)
        line.append(f"  ·  drain steps {fold.drain_steps}", "dim")
        if fold.throttled or fold.provider_errors:
            line.append(f" · throttled {fold.throttled} · provider errors {fold.provider_errors}", "yellow")
        self._apps = line
        self.changed()

    def layout(self, width: int) -> list[Text]:
        """`old ━━━━╸━━━━ 12/30 retired  healthy 18  draining 4 …`: the bar takes a third of what is left."""
        bar_width = max(8, (width - 4 - 16 - 3) // 3)
        lines = []
        for fleet in self._fleets:
            line = Text(no_wrap=True)
            line.append(f"{fleet.label:<4} ", "bold")
            line.append_text(bar(fleet.done, fleet.total, bar_width, fleet.style))
            line.append(f" {fleet.count:>16}   ")
            line.append_text(fleet.states)
            lines.append(line)
        return [*lines, self._apps]
