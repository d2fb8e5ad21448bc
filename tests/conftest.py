from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rollout_tui.store.log import EventLog


@pytest.fixture(params=["memory", "file"])
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventLog]:
    """Store tests are written once and run against an in-memory and a file database."""
    path = ":memory:" if request.param == "memory" else tmp_path / "rollout.db"
    opened = EventLog(path, clock=lambda: "2026-01-01T00:00:00.000Z")
    yield opened
    opened.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "rollout.db"
