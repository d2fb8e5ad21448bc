from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tui import scenes


@pytest.fixture
def scene_db(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """A log file holding a rollout in the named state: `normal`, `blocked` or `held`."""
    opened: list[scenes.Scene] = []

    def make(name: str) -> Path:
        path = tmp_path / f"{name}.db"
        opened.append(getattr(scenes, name)(path))
        return path

    yield make
    for scene in opened:
        scene.close()
