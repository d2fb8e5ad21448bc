"""The rollout lifecycle: planned -> running <-> paused (operator) / blocked (gate) -> completed | aborted."""

from __future__ import annotations

from enum import StrEnum

from transitions import Machine, MachineError

from rollout_tui.domain.host import IllegalTransitionError


class Phase(StrEnum):
    """The rollout's state as on-call sees it."""

    PLANNED = "planned"
    RUNNING = "running"
    PAUSED = "paused"
    BLOCKED = "blocked"
    COMPLETED = "completed"
    ABORTED = "aborted"


FINAL_PHASES: frozenset[str] = frozenset({Phase.COMPLETED, Phase.ABORTED})

_LIVE = [Phase.RUNNING.value, Phase.PAUSED.value, Phase.BLOCKED.value]

ROLLOUT_MACHINE = Machine(
    model=None,
    states=[p.value for p in Phase],
    transitions=[
        {"trigger": "start", "source": Phase.PLANNED.value, "dest": Phase.RUNNING.value},
        {
            "trigger": "pause",
            "source": [Phase.RUNNING.value, Phase.BLOCKED.value],
            "dest": Phase.PAUSED.value,
        },
        {"trigger": "resume", "source": Phase.PAUSED.value, "dest": Phase.RUNNING.value},
        {"trigger": "block", "source": Phase.RUNNING.value, "dest": Phase.BLOCKED.value},
        {"trigger": "unblock", "source": Phase.BLOCKED.value, "dest": Phase.RUNNING.value},
        {"trigger": "complete", "source": Phase.RUNNING.value, "dest": Phase.COMPLETED.value},
        {"trigger": "abort", "source": [Phase.PLANNED.value, *_LIVE], "dest": Phase.ABORTED.value},
    ],
    initial=Phase.PLANNED.value,
    auto_transitions=False,
)
"""The one machine rollouts share."""


class RolloutStatus:
    """The model the rollout machine moves."""

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state: str = Phase.PLANNED.value
        """A `Phase` value."""

    def fire(self, trigger: str) -> None:
        """Move with `trigger`, or raise `IllegalTransitionError`."""
        try:
            ROLLOUT_MACHINE.events[trigger].trigger(self)
        except MachineError as err:
            raise IllegalTransitionError(f"rollout cannot {trigger} while {self.state}") from err

    def can(self, trigger: str) -> bool:
        """Whether `trigger` is legal now."""
        return self.state in ROLLOUT_MACHINE.events[trigger].transitions
