"""The live screen at fixed sizes, from logs written event by event (no clock, no engine)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rollout_tui.tui.app import RolloutApp
from rollout_tui.tui.replay_app import ReplayApp


@pytest.mark.parametrize("state", ["normal", "blocked", "held"])
def test_live_screen_at_120x40(snap_compare: Any, scene_db: Callable[[str], Path], state: str) -> None:
    assert snap_compare(RolloutApp(scene_db(state)), terminal_size=(120, 40))


def test_blocked_gate_is_readable_at_80x24(snap_compare: Any, scene_db: Callable[[str], Path]) -> None:
    assert snap_compare(RolloutApp(scene_db("blocked")), terminal_size=(80, 24))


def test_help_screen(snap_compare: Any, scene_db: Callable[[str], Path]) -> None:
    assert snap_compare(RolloutApp(scene_db("normal")), press=["question_mark"], terminal_size=(100, 30))


def _gate_blocked_seq(path: Path) -> int:
    from rollout_tui.store.log import EventLog

    with EventLog(path, readonly=True) as log:
        return next(e.seq for e in log.read() if e.type == "GateBlocked")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_replay_screen_at_the_gate_block(
    snap_compare: Any, scene_db: Callable[[str], Path], size: tuple[int, int]
) -> None:
    path = scene_db("held")
    app = ReplayApp(path, at=_gate_blocked_seq(path), poll_seconds=None, frame_seconds=None)
    assert snap_compare(app, terminal_size=size)
