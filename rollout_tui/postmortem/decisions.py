"""Which events are decisions: the moments a postmortem (and the replay's next/previous decision) stops at.

Gate decisions, operator commands and the engine's answers to them, stage changes, the rollout pausing,
resuming, aborting or completing, the first drain of each step and boot requests.
"""

from __future__ import annotations

from rollout_tui.domain.events import OPERATOR_TYPES, Event, EventType

DECISION_TYPES: frozenset[str] = frozenset(
    {
        EventType.GATE_BLOCKED,
        EventType.GATE_CLEARED,
        EventType.GATE_HELD,
        EventType.GATE_OVERRIDDEN,
        *OPERATOR_TYPES,
        EventType.COMMAND_REJECTED,
        EventType.STAGE_CHANGED,
        EventType.ROLLOUT_PAUSED,
        EventType.ROLLOUT_RESUMED,
        EventType.ROLLOUT_ABORTED,
        EventType.ROLLOUT_COMPLETED,
        EventType.BOOT_REQUESTED,
    }
)
"""Event types that are always decisions."""

FLAGGED_DECISIONS: dict[str, str] = {EventType.DRAIN_STARTED: "first_of_step"}
"""Types that are decisions when this boolean field of their data is true (the first drain of a step)."""


def is_decision(event: Event) -> bool:
    """Whether `event` is a decision."""
    if event.type in DECISION_TYPES:
        return True
    field = FLAGGED_DECISIONS.get(event.type)
    return field is not None and bool(event.data.get(field))


def decision_title(event: Event) -> str:
    """A decision in a few words: its type and what it was about."""
    d = event.data
    match event.type:
        case EventType.STAGE_CHANGED:
            return f"stage {d.get('stage', '?')}"
        case EventType.DRAIN_STARTED:
            return f"drain step {d.get('step', '?')} ({d.get('batch_size', '?')} hosts)"
        case EventType.BOOT_REQUESTED:
            return f"boot {d.get('count', '?')} host(s)"
    reason = d.get("reason")
    who = f" by {event.actor}" if event.type in OPERATOR_TYPES else ""
    return f"{event.type}{who}" + (f": {reason}" if reason else "")
