from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rollout_tui.providers.base import SimulatedClock
from rollout_tui.providers.sim import SimProvider, build, start_time

MakeSim = Callable[..., tuple[SimProvider, SimulatedClock]]


@pytest.fixture
def make_sim() -> MakeSim:
    """A simulator on a simulated clock at its start, from a scenario and overrides."""

    def make(**settings: Any) -> tuple[SimProvider, SimulatedClock]:
        clock = SimulatedClock(start_time(settings))
        return build(settings, old="blue", new="green", clock=clock), clock

    return make
