"""The outage scenario driven straight through the Protocol: 30 at a time hurts, a budgeted drain does not."""

from __future__ import annotations

import time

import pytest

from tests.sim.driver import DriveResult, drive

OUTAGE = {"scenario": "outage", "seed": 7}


@pytest.fixture(scope="module")
def unguarded() -> tuple[DriveResult, float]:
    began = time.perf_counter()
    result = drive(OUTAGE, max_in_flight=30, drains_per_minute=30)
    return result, time.perf_counter() - began


@pytest.fixture(scope="module")
def guarded() -> DriveResult:
    return drive(OUTAGE, max_in_flight=10, drains_per_minute=10, surge_per_host_per_minute=1.5)


def test_draining_thirty_at_a_time_corrupts_hundreds_of_apps_with_a_warning_spike(
    unguarded: tuple[DriveResult, float],
) -> None:
    result, _ = unguarded
    print(f"\nunguarded: {result}")
    assert result.corrupted >= 200
    assert result.apps_healthy + result.corrupted == 200 * 40
    assert result.peak_warnings_per_minute >= 20 * 3.0


def test_a_budgeted_drain_corrupts_almost_none(
    unguarded: tuple[DriveResult, float], guarded: DriveResult
) -> None:
    """The duration bound (at most 1.5x) is asserted through the engine, in test_outage.py."""
    baseline, _ = unguarded
    print(f"\nguarded: {guarded}")
    assert guarded.corrupted <= baseline.corrupted // 100
    assert guarded.peak_warnings_per_minute < 10


def test_the_outage_runs_over_a_thousand_times_faster_than_real_time(
    unguarded: tuple[DriveResult, float],
) -> None:
    result, wall = unguarded
    speed = result.seconds / wall
    print(f"\n{result.seconds / 60:.0f} simulated minutes in {wall:.2f}s: {speed:,.0f}x real time")
    assert speed >= 1000
