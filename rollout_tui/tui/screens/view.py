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

    def compose_extra(self) -> ComposeResult:
        """Widgets under the header (none by default)."""
        yield from ()

    def compose(self) -> ComposeResult:
        yield RolloutHeader(mode=self.mode, id="header")
        yield from self.compose_extra()
        yield GateBanner(id="gate", hints=self.KEY_HINTS)
        yield FleetProgress(id="fleets")
        yield RateChart(id="chart")
        with Horizontal(id="bottom"):
            yield HostTable(id="hosts")
            with Vertical(id="side"):
                yield WarningsTable(id="warnings")
                yield EventTail(id="events")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#warnings").border_title = "warnings by fingerprint"
        self.query_one("#events").border_title = "events"
        self.query_one(HostTable).focus()

    def show(self, feed: LiveFeed, batch: Batch, *, full: bool = False) -> None:
        """Apply one batch of events in one refresh (only changed host rows are touched), or redraw all."""
        fold = feed.fold
        with self.app.batch_update():
            self.query_one(RolloutHeader).show(fold)
            threshold = feed.threshold()
            self.query_one(GateBanner).show(fold, threshold)
            self.query_one(FleetProgress).show(fold)
            if full or batch.signals:
                baseline = (fold.baseline or {}).get("baseline_per_minute")
                self.query_one(RateChart).show(feed.rates, threshold, fold.peak_warnings_per_minute, baseline)
                self.query_one(WarningsTable).show(feed.seen)
            hosts = self.query_one(HostTable)
            hosts.show(fold, None if full else batch.hosts)
            tail = self.query_one(EventTail)
            if full:
                tail.clear()
            tail.add(feed.tail if full else batch.lines)
