"""Rebuild a rollout's state from the log, as of any seq."""

from __future__ import annotations

from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.errors import BadInputError
from rollout_tui.store.log import EventLog


def resolve_rollout(log: EventLog, rollout_id: str | None) -> str:
    """The rollout to show: the one asked for, or the newest in the log."""
    ids = log.rollout_ids()
    if rollout_id is None:
        if not ids:
            raise BadInputError(f"{log.path} holds no rollout yet")
        return ids[-1]
    if rollout_id not in ids:
        raise BadInputError(f"no rollout {rollout_id!r} in {log.path}")
    return rollout_id


def replay(log: EventLog, rollout_id: str | None = None, *, at: int | None = None) -> RolloutProjection:
    """The state of `rollout_id` (default: newest) after every event up to seq `at` (default: all)."""
    rid = resolve_rollout(log, rollout_id)
    if at is not None and at < 0:
        raise BadInputError(f"--at must be a seq >= 0, not {at}")
    return RolloutProjection(rid).apply_all(log.read(rollout_id=rid, upto=at))
