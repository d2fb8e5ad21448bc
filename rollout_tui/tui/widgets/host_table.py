"""Every host of both fleets in one DataTable: changed rows are updated in place, never rebuilt.

A batch of host changes only marks rows stale. A stale row's cells are written from the projection when the
row is drawn (scrolled into view), read or sorted, and only the stale rows on screen are repainted, so a
thousand transitions on a 10,000-host table cost a set insertion each plus one repaint of the lines that
changed, not a thousand cell writes and a full redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from rollout_tui.domain.host import Host
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.tui.widgets.lines import segments
from rollout_tui.tui.widgets.style import STATE_ORDER, STATE_STYLE, clock

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("host", "host", 19),
    ("fleet", "fleet", 5),
    ("state", "state", 10),
    ("since", "since", 8),
    ("apps", "apps", 4),
)
"""Column key, label and width."""

SORTS: tuple[tuple[str | None, bool], ...] = (
    (None, False),
    ("state", False),
    ("since", True),
    ("host", False),
    ("fleet", False),
    ("apps", True),
)
"""The orders `cycle_sort` steps through: column and reversed; None is the order hosts appeared in."""

REBUILD_OVER = 200
"""A resync that would remove more rows than this rebuilds the table instead."""

Row = tuple[str, str, int]
"""What a row shows that can change: state, since, apps."""


def _sort_key(column: str) -> Any:
    def key(value: Any) -> Any:
        plain = value.plain if isinstance(value, Text) else value
        if column == "state":
            return STATE_ORDER.get(plain, 99)
        if column == "apps":
            return int(plain)
        return plain

    return key


class HostTable(DataTable[object]):
    """Hosts with fleet, state (coloured), since (event time) and apps; filterable and sortable."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.fleet_filter: str | None = None
        """Show only this fleet (`old`/`new`), or all."""
        self.state_filter: str | None = None
        """Show only hosts in this state, or all."""
        self.sort_column: str | None = None
        """The column rows are ordered by; None keeps the order hosts appeared in."""
        self.sort_reverse = False
        """Descending order."""
        self._shown: dict[str, Row] = {}
        """What each row's cells hold, by host id."""
        self._stale: set[str] = set()
        """Rows whose host may have moved since their cells were written."""
        self._fold: RolloutProjection | None = None

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, width=width, key=key)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring every cell of every new row: each column has a fixed width and each row one line.

        `DataTable` measures new rows to widen auto-width columns; with fixed widths that is wasted, and on
        20,000 hosts it was most of the time it took to open a screen (seconds). The virtual size is still
        recomputed from the column widths and the row count.
        """
        super()._update_dimensions(())

    # -- what is shown -------------------------------------------------------------------------------

    def wanted(self, host: Host) -> bool:
        """Whether the filters let `host` through."""
        return (self.fleet_filter is None or host.fleet == self.fleet_filter) and (
            self.state_filter is None or host.state == self.state_filter
        )

    @property
    def filter_label(self) -> str:
        """`old · draining`, or `all hosts`."""
        parts = [p for p in (self.fleet_filter, self.state_filter) if p]
        return " · ".join(parts) if parts else "all hosts"

    @property
    def sort_label(self) -> str:
        """`state ▲`, or `appearance`."""
        if self.sort_column is None:
            return "appearance"
        return f"{self.sort_column} {'▼' if self.sort_reverse else '▲'}"

    def show(self, fold: RolloutProjection, changed: Iterable[str] | None = None) -> None:
        """Bring the table up to `fold`: only the `changed` hosts, or every row when None."""
        self._fold = fold
        if changed is None:
            if self._shown:
                self._resync(fold)
            else:
                self._rebuild(fold)
            return
        hosts = fold.hosts
        changed = changed if isinstance(changed, set | frozenset) else set(changed)
        if self.fleet_filter is None and self.state_filter is None:  # every host has a row: mark, add
            self._stale |= changed
            rows = self._shown
            # hosts never leave a projection, so with as many rows as hosts no host is new
            changed = () if len(rows) == len(hosts) else {hid for hid in changed if hid not in rows}
        added_or_removed = False
        for host_id in changed:
            host = hosts.get(host_id)
            if host is not None:
                added_or_removed = self._sync(host) or added_or_removed
        self._settle(added_or_removed)

    def _settle(self, added_or_removed: bool) -> None:
        """Re-sort if a sort order is on and rows moved, repaint the stale rows on screen, retitle."""
        if self.sort_column is not None and (self._write_stale() or added_or_removed):
            self._sort()
        self._repaint_stale()
        if added_or_removed:
            self._retitle()

    def _retitle(self) -> None:
        shown = len(self._shown)
        self.border_title = f"hosts: {shown:,} shown · {self.filter_label} · sort {self.sort_label}"

    def _row(self, host: Host) -> Row:
        return host.state, host.since, host.apps

    def _cells(self, host: Host) -> list[object]:
        return [
            Text(host.host_id),
            Text(host.fleet),
            Text(host.state, STATE_STYLE.get(host.state, "")),
            Text(clock(host.since)),
            Text(str(host.apps), justify="right"),
        ]

    def _sync(self, host: Host) -> bool:
        """Add, remove or mark stale the row of `host`; True when a row was added or removed."""
        hid = host.host_id
        shown = hid in self._shown
        if not self.wanted(host):
            if not shown:
                return False
            self.remove_row(hid)
            del self._shown[hid]
            self._stale.discard(hid)
            return True
        if shown:
            self._stale.add(hid)
            return False
        self.add_row(*self._cells(host), key=hid)
        self._shown[hid] = self._row(host)
        return True

    def _write(self, hid: str) -> bool:
        """Write the cells of a stale row from the projection; True if any of them changed."""
        self._stale.discard(hid)
        host = self._fold.hosts.get(hid) if self._fold is not None else None
        before = self._shown.get(hid)
        if host is None or before is None:
            return False
        row = self._row(host)
        if row == before:
            return False
        cells = self._data[RowKey(hid)]
        for (key, _, _), cell in zip(COLUMNS, self._cells(host), strict=True):
            cells[ColumnKey(key)] = cell
        self._shown[hid] = row
        return True

    def _write_stale(self) -> bool:
        """Write every stale row; True if any changed."""
        changed = False
        for hid in list(self._stale):
            changed = self._write(hid) or changed
        return changed

    def _repaint_stale(self) -> None:
        """Repaint the stale rows that are on screen, and only them.

        `DataTable.update_cell` repaints the whole table per cell and bumps its update count, which makes
        the next paint recompute the order and offsets of all 10,000 rows; with a thousand changed hosts
        that costs far more than the fold. Writing cells moves no row, so this drops the render caches
        (renderables, cells, rows, lines; the order and offset caches stay valid) and refreshes the
        screen lines of the stale rows in view. Each row is one line high.
        """
        if not self._stale:
            return
        self._cell_render_cache.clear()
        self._row_renderable_cache.clear()
        self._row_render_cache.clear()
        self._line_cache.clear()
        header = self.header_height if self.show_header else 0
        top = self.scroll_offset.y
        visible = max(self.scrollable_content_region.height - header, 0)
        width = self.size.width
        for index in range(top, min(top + visible, self.row_count)):
            key = self._row_locations.get_key(index)
            if key is not None and key.value in self._stale:
                self.refresh(Region(0, header + index - top, width, 1))

    def _fresh(self, row_key: RowKey | str) -> None:
        """Write the row's cells first if it is stale."""
        hid = row_key.value if isinstance(row_key, RowKey) else row_key
        if hid in self._stale:
            self._write(str(hid))

    def _fresh_at(self, row_index: int) -> None:
        if self._stale:
            key = self._row_locations.get_key(row_index)
            if key is not None:
                self._fresh(key)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A one-line text cell laid out straight into segments; any other cell as `DataTable` renders it.

        `DataTable` renders every cell through Rich's console (padding, styles, splitting into lines): about
        a quarter of a millisecond a cell, and a screen of rows is over a hundred cells, drawn again
        whenever rows in view change. A host's cells are short texts on one line, so this pads, justifies
        and styles them directly, to the same segments (`tests/tui/test_host_table.py` compares the two).
        """
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        key = (
            row_key,
            self._column_locations.get_key(column_index),
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        lines: list[list[Segment]] | None = self._cell_render_cache.get(key)
        if lines is not None:
            return lines
        cell = self._get_row_renderables(row_index).cells[column_index]
        pad = self.cell_padding
        fill = width - 2 * pad - (cell.cell_len if isinstance(cell, Text) else 0)
        if (
            not isinstance(cell, Text)
            or fill < 0
            or cell.justify not in (None, "default", "left", "right")
            or "\n" in cell.plain
            or (cell.justify == "right" and cell.plain != cell.plain.rstrip())
            or row_key is None
            or self.rows[row_key].height != 1
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        console = self.app.console
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        own = console.get_style(cell.style) if cell.style else None
        edge = Segment(" " * pad)
        body = segments(cell, console)
        if cell.justify == "right":
            line = [edge, Segment(" " * fill, own), *body, edge]
        elif cell.justify == "left":
            line = [edge, *body, Segment(" " * fill, own), edge]
        else:
            line = [edge, *body, Segment(" " * fill), edge]
        lines = [list(Segment.apply_style([s for s in line if s.text], pre_style, post_style))]
        self._cell_render_cache[key] = lines
        return lines

    def _get_row_renderables(self, row_index: int) -> Any:
        """Write a stale row's cells just before it is drawn."""
        self._fresh_at(row_index)
        return super()._get_row_renderables(row_index)

    def get_row(self, row_key: RowKey | str) -> list[CellType]:
        self._fresh(row_key)
        return super().get_row(row_key)

    def get_row_at(self, row_index: int) -> list[CellType]:
        self._fresh_at(row_index)
        return super().get_row_at(row_index)

    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> CellType:
        self._fresh(row_key)
        return super().get_cell(row_key, column_key)

    def get_cell_at(self, coordinate: Any) -> CellType:
        self._fresh_at(coordinate.row)
        return super().get_cell_at(coordinate)

    def get_column(self, column_key: ColumnKey | str) -> Iterable[CellType]:
        self._write_stale()
        return super().get_column(column_key)

    def get_column_at(self, column_index: int) -> Iterable[CellType]:
        self._write_stale()
        return super().get_column_at(column_index)

    def _rebuild(self, fold: RolloutProjection) -> None:
        self.clear()
        self._shown.clear()
        self._stale.clear()
        for host in fold.hosts.values():
            if self.wanted(host):
                self.add_row(*self._cells(host), key=host.host_id)
                self._shown[host.host_id] = self._row(host)
        if self.sort_column is not None:
            self._sort()
        self._retitle()

    def _resync(self, fold: RolloutProjection) -> None:
        """Bring every row to `fold` in place (a replay moved to another seq): update, add, remove.

        Removing a row costs time in proportion to the table, so when many rows go it rebuilds instead.
        """
        gone = [hid for hid in self._shown if hid not in fold.hosts]
        if len(gone) > REBUILD_OVER:
            self._rebuild(fold)
            return
        for hid in gone:
            self.remove_row(hid)
            del self._shown[hid]
        added_or_removed = bool(gone)
        for host in fold.hosts.values():
            added_or_removed = self._sync(host) or added_or_removed
        self._settle(added_or_removed)
        self._retitle()

    # -- controls ------------------------------------------------------------------------------------

    def set_filter(self, fleet: str | None, state: str | None) -> None:
        """Show only `fleet` and `state` (None: any)."""
        self.fleet_filter, self.state_filter = fleet, state
        if self._fold is not None:
            self._rebuild(self._fold)

    def cycle_sort(self) -> None:
        """Step to the next order of `SORTS`."""
        current = (self.sort_column, self.sort_reverse)
        index = SORTS.index(current) if current in SORTS else 0
        self.order_by(*SORTS[(index + 1) % len(SORTS)])

    def order_by(self, column: str | None, reverse: bool = False) -> None:
        """Order rows by `column`, or by appearance when None."""
        self.sort_column, self.sort_reverse = column, reverse
        if column is None:
            if self._fold is not None:
                self._rebuild(self._fold)
        else:
            self._sort()
        self._retitle()

    def _sort(self) -> None:
        assert self.sort_column is not None
        self._write_stale()
        self.sort(self.sort_column, key=_sort_key(self.sort_column), reverse=self.sort_reverse)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it; clicking it again reverses."""
        column = str(event.column_key.value)
        self.order_by(column, not self.sort_reverse if column == self.sort_column else False)
        event.stop()
