"""Events: the past-tense facts the log is made of.

An `Event` is one row of the log. `NewEvent` is what a writer hands the store; the store gives it a `seq`
and, unless the writer names one, the next `version` of its stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class EventType(StrEnum):
    """Every event type this version of rollout_tui writes and understands."""

    # rollout stream
    ROLLOUT_PLANNED = "RolloutPlanned"
    ROLLOUT_STARTED = "RolloutStarted"
    STAGE_CHANGED = "StageChanged"
    ROLLOUT_PAUSED = "RolloutPaused"
    ROLLOUT_RESUMED = "RolloutResumed"
    ROLLOUT_COMPLETED = "RolloutCompleted"
    ROLLOUT_ABORTED = "RolloutAborted"
    BOOT_REQUESTED = "BootRequested"
    DRAIN_DEFERRED = "DrainDeferred"
    # host streams
    HOST_DISCOVERED = "HostDiscovered"
    HOST_BOOTED = "HostBooted"
    HOST_BECAME_HEALTHY = "HostBecameHealthy"
    HOST_FAILED = "HostFailed"
    HOST_BECAME_UNHEALTHY = "HostBecameUnhealthy"
    HOST_RECOVERED = "HostRecovered"
    DRAIN_STARTED = "DrainStarted"
    HOST_DRAINED = "HostDrained"
    HOST_TERMINATED = "HostTerminated"
    # gate stream
    BASELINE_MEASURED = "BaselineMeasured"
    SIGNALS_OBSERVED = "SignalsObserved"
    SIGNALS_UNREADABLE = "SignalsUnreadable"
    GATE_BLOCKED = "GateBlocked"
    GATE_HELD = "GateHeld"
    GATE_CLEARED = "GateCleared"
    GATE_OVERRIDDEN = "GateOverridden"
    # provider facts that are not app warnings
    API_THROTTLED = "ApiThrottled"
    PROVIDER_ERROR = "ProviderError"
    # operator commands, written from any terminal
    OPERATOR_PAUSED = "OperatorPaused"
    OPERATOR_RESUMED = "OperatorResumed"
    OPERATOR_ABORTED = "OperatorAborted"
    OPERATOR_APPROVED = "OperatorApproved"
    OPERATOR_OVERRODE = "OperatorOverrode"
    OPERATOR_STEPPED = "OperatorStepped"
    COMMAND_REJECTED = "CommandRejected"
    # engine lease
    LEASE_ACQUIRED = "LeaseAcquired"
    LEASE_RENEWED = "LeaseRenewed"
    LEASE_RELEASED = "LeaseReleased"


KNOWN_TYPES: frozenset[str] = frozenset(t.value for t in EventType)

OPERATOR_TYPES: frozenset[str] = frozenset(
    {
        EventType.OPERATOR_PAUSED,
        EventType.OPERATOR_RESUMED,
        EventType.OPERATOR_ABORTED,
        EventType.OPERATOR_APPROVED,
        EventType.OPERATOR_OVERRODE,
        EventType.OPERATOR_STEPPED,
    }
)


def rollout_stream(rollout_id: str) -> str:
    """The stream of a rollout's own decisions (phase, boots, budget)."""
    return f"rollout:{rollout_id}"


def gate_stream(rollout_id: str) -> str:
    """The stream of a rollout's signals and gate decisions."""
    return f"gate:{rollout_id}"


def operator_stream(rollout_id: str) -> str:
    """The stream operators write commands to, from any terminal."""
    return f"operator:{rollout_id}"


LEASE_STREAM = "lease"
"""The engine lease: one stream per log, so one engine drives the log's rollouts at a time, and two engines
starting a rollout at once cannot both win (each event still names its rollout)."""


def host_stream(host_id: str) -> str:
    """The stream of one host, named by the provider's id (`i-0abc...` on AWS)."""
    return f"host:{host_id}"


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event not yet appended: the store assigns `seq`, `recorded_at` and, when None, `version`."""

    rollout_id: str
    """The rollout this event belongs to."""
    stream: str
    """`host:<id>`, `rollout:<id>`, `gate:<id>`, `operator:<id>` or `lease`."""
    type: str
    """Past-tense event type, usually an `EventType`."""
    at: str
    """Event time, ISO 8601 UTC (simulated time under the simulator)."""
    actor: str
    """`engine`, `provider:<name>` or `operator:<user>@<host>`."""
    data: dict[str, Any] = field(default_factory=dict)
    """JSON-serialisable payload: the numbers behind the fact."""
    version: int | None = None
    """Expected new version of the stream (optimistic concurrency); None takes the next one."""


class Event(NamedTuple):
    """One appended, immutable row of the log.

    A named tuple rather than a frozen dataclass: a log is folded a million events at a time, and a tuple is
    built several times faster than a frozen dataclass (which sets each field through `object.__setattr__`).
    """

    seq: int
    """Global, gap-free order of the log, from 1."""
    rollout_id: str
    """The rollout this event belongs to."""
    stream: str
    """The stream the event was appended to."""
    version: int
    """Position in its stream, from 1."""
    type: str
    """Past-tense event type."""
    at: str
    """Event time, ISO 8601 UTC."""
    recorded_at: str
    """Wall-clock time the store wrote it."""
    actor: str
    """Who caused it."""
    data: dict[str, Any]
    """The payload."""

    def as_json(self) -> dict[str, Any]:
        """The fields printed by `run --headless --json`, one object per line."""
        return {
            "seq": self.seq,
            "rollout_id": self.rollout_id,
            "stream": self.stream,
            "version": self.version,
            "type": self.type,
            "at": self.at,
            "actor": self.actor,
            "data": self.data,
        }
