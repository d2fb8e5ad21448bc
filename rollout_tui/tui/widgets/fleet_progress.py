"""Per-fleet progress bars with host counts per state, and the apps' health."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from rollout_tui.domain.projection import RolloutProjection
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


class FleetProgress(Static):
    """Old fleet retired and new fleet healthy, as bars with the count of hosts in every state."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._last: tuple[object, ...] | None = None

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
        self.update(self._table(fold), layout=False)

    def _table(self, fold: RolloutProjection) -> RenderableType:
        plan = fold.plan or {}
        fleets = plan.get("fleets", {})
        old, new = fold.counts["old"], fold.counts["new"]
        old_total = sum(old.values())
        target = int(fleets.get("target_size") or sum(new.values()) or 1)
        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(no_wrap=True, width=4)
        grid.add_column(ratio=1, min_width=8)
        grid.add_column(no_wrap=True, justify="right", width=16)
        grid.add_column(no_wrap=True, ratio=2)
        retired = old["terminated"]
        grid.add_row(
            Text("old", "bold"),
            ProgressBar(total=max(old_total, 1), completed=retired, complete_style="cyan"),
            Text(f"{retired:,}/{old_total:,} retired"),
            _states(old),
        )
        healthy = new["healthy"]
        grid.add_row(
            Text("new", "bold"),
            ProgressBar(total=target, completed=min(healthy, target), complete_style="green"),
            Text(f"{healthy:,}/{target:,} healthy"),
            _states(new),
        )
        line = apps_text(fold.apps)
        line.append(f"  ·  drain steps {fold.drain_steps}", "dim")
        if fold.throttled or fold.provider_errors:
            line.append(f" · throttled {fold.throttled} · provider errors {fold.provider_errors}", "yellow")
        line.no_wrap, line.overflow = True, "ellipsis"
        return Group(grid, line)
