"""The rollout view both screens share: gate banner, fleets, warning rate, warnings, hosts, event tail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from rollout_tui.tui.feed import Batch, LiveFeed
from rollout_tui.tui.widgets.event_tail import EventTail
from rollout_tui.tui.widgets.fleet_progress import FleetProgress
from rollout_tui.tui.widgets.gate_banner import GateBanner
from rollout_tui.tui.widgets.header import RolloutHeader
from rollout_tui.tui.widgets.host_table import HostTable
from rollout_tui.tui.widgets.rate_chart import RateChart
from rollout_tui.tui.widgets.warnings_table import WarningsTable


class RolloutView(Screen[None]):
    """One rollout's state as folded from the log; subclasses add their keys (and any extra line)."""

    KEY_HINTS = True
    """Whether the gate banner names the operator keys that answer it."""

    def __init__(self, *, mode: str) -> None:
        super().__init__()
        self.mode = mode
        """`engine here`, `attached` or `replay`, shown in the header."""
        # the widgets a batch updates, kept rather than queried for on every batch
        self.header = RolloutHeader(mode=mode, id="header")
        self.gate = GateBanner(id="gate", hints=self.KEY_HINTS)
        self.fleets = FleetProgress(id="fleets")
        self.chart = RateChart(id="chart")
        self.hosts = HostTable(id="hosts")
        self.warnings = WarningsTable(id="warnings")
        self.events = EventTail(id="events")

    def compose_extra(self) -> ComposeResult:
        """Widgets under the header (none by default)."""
        yield from ()

    def compose(self) -> ComposeResult:
        yield self.header
        yield from self.compose_extra()
        yield self.gate
        yield self.fleets
        yield self.chart
        with Horizontal(id="bottom"):
            yield self.hosts
            with Vertical(id="side"):
                yield self.warnings
                yield self.events
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.warnings.border_title = "warnings by fingerprint"
        self.events.border_title = "events"
        self.hosts.focus()

    def show(self, feed: LiveFeed, batch: Batch, *, full: bool = False) -> None:
        """Apply one batch of events in one refresh (only changed host rows are touched), or redraw all."""
        fold = feed.fold
        with self.app.batch_update():
            self.header.show(fold)
            threshold = feed.threshold()
            self.gate.show(fold, threshold)
            self.fleets.show(fold)
            if full or batch.signals:
                baseline = (fold.baseline or {}).get("baseline_per_minute")
                self.chart.show(feed.rates, threshold, fold.peak_warnings_per_minute, baseline)
                self.warnings.show(feed.seen)
            self.hosts.show(fold, None if full else batch.hosts)
            if full:
                self.events.clear()
            if full or batch.lines:
                self.events.add(feed.tail if full else batch.lines)
