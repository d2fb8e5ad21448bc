"""The headless account of events, which the TUI's event tail shares."""

from __future__ import annotations

import pytest

from rollout_tui.domain.events import Event, EventType
from rollout_tui.headless import DESCRIBED, describe


@pytest.mark.parametrize("type_", sorted(set(EventType) - DESCRIBED))
def test_types_outside_described_get_no_line(type_: str) -> None:
    """Readers may skip `describe` for types outside `DESCRIBED`; that must never hide a line."""
    event = Event(1, "r-1", "rollout:r-1", 1, type_, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "t", {})
    assert describe(event) is None
