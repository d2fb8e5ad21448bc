"""The built-in outage plans through the real engine: the gate and the surge budget are what save the apps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest

from rollout_tui.domain.events import Event, EventType
from rollout_tui.domain.fingerprints import fingerprint
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import start_rollout
from rollout_tui.errors import ExitCode
from rollout_tui.providers.base import parse_iso
from rollout_tui.providers.sim import SimProvider
from rollout_tui.store.log import EventLog


@dataclass(frozen=True)
class Run:
    """One plan run to the end into an in-memory log."""

    code: ExitCode
    """How the engine finished."""
    corrupted: int
    """Corrupted apps at the end."""
    peak: float
    """Highest warning rate the engine observed."""
    seconds: float
    """Simulated seconds from start to finish."""
    events: list[Event]
    """The whole log."""
    provider: SimProvider
    """The simulator, to read raw signals back."""


def run(plan_name: str) -> Run:
    log = EventLog(":memory:")
    engine = start_rollout(load_plan(plan_name), log, holder="test", rollout_id=plan_name)
    code = engine.run()
    fold = engine.projection
    assert fold.apps is not None and fold.started_at and fold.finished_at
    seconds = (parse_iso(fold.finished_at) - parse_iso(fold.started_at)).total_seconds()
    provider = engine.provider
    assert isinstance(provider, SimProvider)
    return Run(
        code, fold.apps["corrupted"], fold.peak_warnings_per_minute, seconds, list(log.read()), provider
    )


@pytest.fixture(scope="module")
def unguarded() -> Run:
    return run("outage-unguarded")


@pytest.fixture(scope="module")
def guarded() -> Run:
    return run("outage-guarded")


def test_unguarded_outage_corrupts_hundreds_of_apps_behind_a_warning_spike(unguarded: Run) -> None:
    print(
        f"\noutage-unguarded: {unguarded.corrupted} apps corrupted, peak {unguarded.peak:.0f} warnings/min, "
        f"{unguarded.seconds / 60:.1f} simulated min"
    )
    assert unguarded.code is ExitCode.OK
    assert unguarded.corrupted >= 200
    assert unguarded.peak >= 100
    types = Counter(e.type for e in unguarded.events)
    assert types[EventType.GATE_BLOCKED] == 0
    assert types[EventType.API_THROTTLED] >= 1


def test_guarded_outage_corrupts_at_most_one_percent_in_at_most_half_as_long_again(
    unguarded: Run, guarded: Run
) -> None:
    print(
        f"\noutage-guarded: {guarded.corrupted} apps corrupted (unguarded {unguarded.corrupted}), "
        f"{guarded.seconds / 60:.1f} simulated min (unguarded {unguarded.seconds / 60:.1f}, "
        f"ratio {guarded.seconds / unguarded.seconds:.2f})"
    )
    assert guarded.code is ExitCode.OK
    assert guarded.corrupted <= unguarded.corrupted // 100
    assert guarded.seconds <= 1.5 * unguarded.seconds


def test_flapping_disk_monitor_floods_alerts_into_few_fingerprints_and_never_flaps_the_gate(
    guarded: Run,
) -> None:
    first, last = parse_iso(guarded.events[0].at), parse_iso(guarded.events[-1].at)
    alerts = guarded.provider.read_signals(first - timedelta(hours=1), last + timedelta(minutes=1)).alerts
    raw = sum(count for _, count in alerts)
    fingerprints = Counter(fingerprint(text) for text, _ in alerts)
    print(f"\n{raw} raw disk alerts, {len(fingerprints)} fingerprints: {sorted(fingerprints)}")
    assert raw >= 500
    assert len(fingerprints) <= 3
    types = Counter(e.type for e in guarded.events)
    ticks = types[EventType.SIGNALS_OBSERVED]
    assert types[EventType.GATE_BLOCKED] + types[EventType.GATE_CLEARED] <= 2 < ticks


def _facts(events: list[Event]) -> list[tuple[object, ...]]:
    return [
        (e.stream, e.version, e.type, e.at, e.actor, e.data)
        for e in events
        if not e.stream.startswith("lease")
    ]


def test_same_seed_gives_the_same_log(unguarded: Run) -> None:
    again = run("outage-unguarded")
    assert _facts(again.events) == _facts(unguarded.events)
