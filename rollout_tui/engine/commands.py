"""Operator commands: events any terminal appends, which the engine driving the rollout answers next tick."""

from __future__ import annotations

import getpass
import socket
from datetime import UTC, datetime

from rollout_tui.domain.events import Event, EventType, NewEvent, operator_stream
from rollout_tui.domain.rollout import FINAL_PHASES
from rollout_tui.errors import BadInputError
from rollout_tui.providers.base import iso
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay

COMMANDS: dict[str, str] = {
    "pause": EventType.OPERATOR_PAUSED,
    "resume": EventType.OPERATOR_RESUMED,
    "abort": EventType.OPERATOR_ABORTED,
    "approve": EventType.OPERATOR_APPROVED,
    "override": EventType.OPERATOR_OVERRODE,
    "step": EventType.OPERATOR_STEPPED,
}
"""CLI and TUI command names and the events they append."""


def operator_actor() -> str:
    """`operator:<user>@<host>`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"operator:{user}@{socket.gethostname()}"


def send_command(
    log: EventLog,
    command: str,
    *,
    rollout_id: str | None = None,
    reason: str = "",
    actor: str | None = None,
) -> Event:
    """Append an operator command for the engine to obey; refuse what cannot apply."""
    if command not in COMMANDS:
        raise BadInputError(f"unknown command {command!r}")
    if command == "override" and not reason.strip():
        raise BadInputError("override needs --reason: say why the gate is wrong")
    fold = replay(log, rollout_id)
    if fold.phase in FINAL_PHASES:
        raise BadInputError(f"rollout {fold.rollout_id} is already {fold.phase}")
    assert fold.rollout_id is not None
    # Under the simulator event time is simulated: stamp the command at the rollout's own clock, as it stands
    # when the command is written (inside the write lock, so it is never earlier than what precedes it).
    simulated = (fold.plan or {}).get("provider", {}).get("kind") == "sim"
    data = {"reason": reason} if reason else {}
    with log.transaction():
        latest = log.last_of_rollout(fold.rollout_id)
        at = latest.at if simulated and latest is not None else iso(datetime.now(UTC))
        new = NewEvent(
            fold.rollout_id,
            operator_stream(fold.rollout_id),
            COMMANDS[command],
            at,
            actor or operator_actor(),
            data,
        )
        return log.append(new)
