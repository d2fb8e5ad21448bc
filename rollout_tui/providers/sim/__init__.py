"""The deterministic simulator provider: seeded fleets, apps, warnings and alerts on a simulated clock.

`build(settings, old=..., new=..., clock=...)` is what `rollout_tui.providers.build_provider` calls with a
plan's `[provider.sim]` table; `start_time(settings)` is where a `SimulatedClock` for it should start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollout_tui.providers.base import Clock
from rollout_tui.providers.sim.provider import SimProvider
from rollout_tui.providers.sim.scenarios import SCENARIOS
from rollout_tui.providers.sim.settings import SimSettings, parse_settings

__all__ = ["SCENARIOS", "SimProvider", "SimSettings", "build", "parse_settings", "start_time"]


def build(settings: dict[str, Any], *, old: str, new: str, clock: Clock) -> SimProvider:
    """A simulator for a plan's `[provider.sim]` table; bad settings raise `BadInputError`."""
    return SimProvider(parse_settings(settings), old=old, new=new, clock=clock)


def start_time(settings: dict[str, Any]) -> datetime:
    """The simulated time a clock for these settings should start at (`start`, 2026-01-01T00:00:00Z)."""
    return parse_settings(settings).start
