"""The simulated world, one fixed step at a time: boots, drains, app migration, corruption, signals.

Everything random comes from one `random.Random(seed)` drawn in a fixed order, so the same settings and the
same calls at the same simulated times give the same facts. Work per step is proportional to what is moving
(booting, draining, receiving apps), not to the size of the fleets.

Model:
- An old host starts in service with `apps_per_host` apps; new hosts launch empty, stay pending for a spread
  boot delay, then come into service healthy, except a `boot_failure_rate` share whose checks never pass.
- A draining host's apps move off over a spread drain time onto in-service healthy hosts of both fleets; the
  scheduler puts each app on the less loaded of two random hosts. A draining host with apps left and nowhere
  to put them stays draining; with none left it is drained.
- Each host can allocate node_modules for `alloc_capacity_per_minute` starts; a start that brings its host's
  starts in the last minute to `load` times capacity (load > 1) starts corrupted with chance
  `min(corruption_max, corruption_slope * (load - 1))`. Corrupted apps stay corrupted for the rest of the run
  and keep emitting warnings; an overloaded host may also fail its health checks for a while.
- Terminated hosts stay listed as terminated for `terminated_visible_seconds`, then vanish. Terminating a host
  that still has apps moves them all at once.
"""

from __future__ import annotations

import heapq
import random
from collections import deque

from rollout_tui.providers.base import Lifecycle
from rollout_tui.providers.sim.boot_limit import BootLimiter
from rollout_tui.providers.sim.disk_monitor import DiskMonitor
from rollout_tui.providers.sim.history import History, StepRecord
from rollout_tui.providers.sim.host import SimHost
from rollout_tui.providers.sim.pool import ReceiverPool
from rollout_tui.providers.sim.sampling import instance_id, poisson, steps_of
from rollout_tui.providers.sim.settings import SimSettings
from rollout_tui.providers.sim.warnings import step_messages


class World:
    """Both fleets, their apps and their signals, advanced by `step()`."""

    def __init__(self, settings: SimSettings) -> None:
        s = self.settings = settings
        """The validated settings."""
        self.rng = random.Random(s.seed)
        """The one source of randomness."""
        self.index = 0
        """Steps completed; actions now land in step `index`."""
        self.steps_per_minute = max(1, round(60.0 / s.step_seconds))
        """Steps in the one-minute load window."""
        self.hosts: dict[str, SimHost] = {}
        """Every listed host by id, in launch order."""
        self.pool = ReceiverPool()
        """Hosts that take migrating apps."""
        self.draining: dict[str, SimHost] = {}
        """Hosts moving their apps off."""
        self.desired_new = 0
        """New-fleet size asked for (terminating a new host lowers it, as an Auto Scaling group does)."""
        self.live_new = 0
        """New-fleet hosts launched and not terminated."""
        self.limiter = BootLimiter(s.boot_api_limit_per_minute, self.steps_per_minute)
        """The DNS API's launch rate limit."""
        self.total_apps = s.old_size * s.apps_per_host
        """User apps in all (migration moves them, never creates or loses them)."""
        self.corrupted: list[int] = []
        """Apps that started corrupted, by app number."""
        self.homeless = 0
        """Apps waiting for any host to take them."""
        self.history = History(max(1, round(s.history_seconds / s.step_seconds)))
        """Signals of recent steps."""
        self.monitor = (
            DiskMonitor(
                s.disk_flapping_hosts,
                round(s.disk_flap_period_seconds / s.step_seconds),
                round(s.disk_renotify_seconds / s.step_seconds),
            )
            if s.disk_flapping and s.disk_flapping_hosts
            else None
        )
        """The flapping disk-usage monitor, when on."""
        self.dirty: dict[str, SimHost] = {}
        """Hosts added or changed since the listing last caught up."""
        self.roster = 0
        """Bumped whenever hosts vanish from the listing, so it is rebuilt rather than patched."""
        self._ids: set[str] = set()
        self._corrupted_set: set[int] = set()
        self._pending: list[tuple[int, int, SimHost]] = []
        self._launches = 0
        self._unhealthy: dict[str, SimHost] = {}
        self._purge: deque[tuple[int, str]] = deque()
        self._starts: list[SimHost] = []
        self._start_window: deque[list[SimHost]] = deque()
        self._failures: list[int] = []
        self._overloaded: dict[str, SimHost] = {}
        for _ in range(s.old_size):
            host = SimHost(self._new_id(), "old", Lifecycle.IN_SERVICE, apps=s.apps_per_host)
            self.hosts[host.host_id] = host
            self.pool.add(host)

    # -- actions (between steps) ---------------------------------------------------------------------

    def set_desired_new(self, desired: int) -> tuple[int, int]:
        """Ask for `desired` new hosts in total; returns (wanted now, launched now) under the API limit."""
        self.desired_new = desired
        wanted = max(0, desired - self.live_new)
        return wanted, self._launch_backlog()

    def drain(self, host: SimHost) -> None:
        """Start moving `host`'s apps off (nothing if it is already draining or gone)."""
        if host.lifecycle not in (Lifecycle.IN_SERVICE, Lifecycle.PENDING):
            return
        s = self.settings
        host.lifecycle = Lifecycle.DRAINING
        host.drain_per_step = host.apps / steps_of(
            self.rng, s.drain_seconds, s.drain_spread_seconds, s.step_seconds
        )
        host.drain_credit = 0.0
        self._changed(host)
        self.pool.remove(host)
        self.draining[host.host_id] = host

    def terminate(self, host: SimHost) -> None:
        """Terminate `host`, moving any apps it still runs at once (nothing if already terminated)."""
        if host.lifecycle is Lifecycle.TERMINATED:
            return
        host.lifecycle = Lifecycle.TERMINATED
        host.healthy = False
        self.pool.remove(host)
        self.draining.pop(host.host_id, None)
        self._unhealthy.pop(host.host_id, None)
        if host.apps:
            self.homeless += host.apps
            host.apps = 0
            self.homeless -= self._place(self.homeless)
        self._changed(host)
        if host.fleet == "new":
            self.live_new -= 1
            self.desired_new = max(0, self.desired_new - 1)
        visible = round(self.settings.terminated_visible_seconds / self.settings.step_seconds)
        self._purge.append((self.index + visible, host.host_id))

    # -- the step ------------------------------------------------------------------------------------

    def step(self) -> StepRecord:
        """Run step `index` and record its signals; what happens at the start of the next one happens too."""
        if self.homeless:
            self.homeless -= self._place(self.homeless)
        self._move_draining_apps()
        self._health_under_load()
        record = self._record()
        self.history.append(record)
        self._end_step()
        return record

    def _launch_backlog(self) -> int:
        wanted = self.desired_new - self.live_new
        if wanted <= 0:
            return 0
        count = min(wanted, self.limiter.available(self.index))
        s = self.settings
        for _ in range(count):
            host = SimHost(self._new_id(), "new", Lifecycle.PENDING)
            host.boot_fails = self.rng.random() < s.boot_failure_rate
            ready = self.index + steps_of(
                self.rng, s.boot_delay_seconds, s.boot_delay_spread_seconds, s.step_seconds
            )
            self._launches += 1
            heapq.heappush(self._pending, (ready, self._launches, host))
            self.hosts[host.host_id] = host
            self.dirty[host.host_id] = host
        self.live_new += count
        self.limiter.record(self.index, count)
        return count

    def _finish_boots(self) -> None:
        pending = self._pending
        while pending and pending[0][0] <= self.index:
            host = heapq.heappop(pending)[2]
            if host.lifecycle is Lifecycle.PENDING:
                host.lifecycle = Lifecycle.IN_SERVICE
                host.healthy = not host.boot_fails
                self._changed(host)
                self.pool.sync(host)

    def _recover(self) -> None:
        for host_id, host in list(self._unhealthy.items()):
            if host.recover_step <= self.index:
                del self._unhealthy[host_id]
                host.healthy = True
                host.recover_step = -1
                self._changed(host)
                self.pool.sync(host)

    def _move_draining_apps(self) -> None:
        for host_id, host in list(self.draining.items()):
            host.drain_credit = min(host.drain_credit + host.drain_per_step, float(host.apps))
            moving = min(host.apps, int(host.drain_credit + 1e-9))
            if moving:
                moved = self._place(moving)
                host.apps -= moved
                host.drain_credit -= moved
                self._changed(host)
            if host.apps == 0:
                host.lifecycle = Lifecycle.DRAINED
                self._changed(host)
                del self.draining[host_id]

    def _place(self, count: int) -> int:
        """Start `count` migrating apps on receiving hosts; returns how many found a host."""
        pool = self.pool
        if count <= 0 or not len(pool):
            return 0
        s, rng = self.settings, self.rng
        capacity, slope, ceiling = s.alloc_capacity_per_minute, s.corruption_slope, s.corruption_max
        starts, overloaded = self._starts, self._overloaded
        for _ in range(count):
            host = pool.pick(rng)
            host.apps += 1
            host.recent_starts += 1
            self._changed(host)
            starts.append(host)
            load = host.recent_starts / capacity
            if load > 1.0:
                overloaded[host.host_id] = host
                if rng.random() < min(ceiling, slope * (load - 1.0)):
                    self._corrupt_one()
        return count

    def _corrupt_one(self) -> None:
        if len(self.corrupted) >= self.total_apps:
            return
        rng, taken = self.rng, self._corrupted_set
        app = rng.randint(1, self.total_apps)
        while app in taken:
            app = app % self.total_apps + 1
        taken.add(app)
        self.corrupted.append(app)
        self._failures.append(app)

    def _health_under_load(self) -> None:
        chance = self.settings.unhealthy_rate_per_minute / self.steps_per_minute
        if chance <= 0:
            return
        s = self.settings
        for host_id, host in self._overloaded.items():
            if host.receives and host_id not in self._unhealthy and self.rng.random() < chance:
                host.healthy = False
                host.recover_step = self.index + steps_of(
                    self.rng, s.unhealthy_recovery_seconds, s.unhealthy_recovery_seconds / 3, s.step_seconds
                )
                self._changed(host)
                self.pool.remove(host)
                self._unhealthy[host_id] = host

    def _record(self) -> StepRecord:
        s, rng = self.settings, self.rng
        per_step = s.step_seconds / 60.0
        corrupted = self.corrupted
        corrupted_count = poisson(rng, len(corrupted) * s.corrupted_warnings_per_minute * per_step)
        baseline_count = poisson(rng, s.baseline_warnings_per_minute * per_step)
        texts = step_messages(
            rng,
            allocation_failures=self._failures,
            corrupted_apps=corrupted,
            corrupted_count=corrupted_count if corrupted else 0,
            baseline_count=baseline_count,
            total_apps=self.total_apps,
            max_messages=s.max_messages_per_step,
        )
        alerts = self.monitor.step(self.index, rng, self._random_receiver) if self.monitor else []
        return StepRecord(
            index=self.index,
            warnings=sum(count for _, count in texts),
            messages=texts,
            alerts=alerts,
            apps_healthy=self.total_apps - len(corrupted),
            apps_corrupted=len(corrupted),
        )

    def _random_receiver(self) -> SimHost | None:
        hosts = self.pool.hosts
        return hosts[self.rng.randrange(len(hosts))] if hosts else None

    def _end_step(self) -> None:
        self._failures = []
        self._overloaded = {}
        window = self._start_window
        window.append(self._starts)
        self._starts = []
        while len(window) >= self.steps_per_minute:
            for host in window.popleft():
                host.recent_starts -= 1
        self.index += 1
        purge = self._purge
        while purge and purge[0][0] <= self.index:
            self.hosts.pop(purge.popleft()[1], None)
            self.roster += 1
        self._launch_backlog()
        self._finish_boots()
        self._recover()

    def _changed(self, host: SimHost) -> None:
        host.changed()
        self.dirty[host.host_id] = host

    def _new_id(self) -> str:
        host_id = instance_id(self.rng)
        while host_id in self._ids:
            host_id = instance_id(self.rng)
        self._ids.add(host_id)
        return host_id
