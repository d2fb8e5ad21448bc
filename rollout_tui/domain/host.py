"""The host lifecycle: one `transitions` Machine shared by every host of every fleet.

The machine is built once with `model=None` and `auto_transitions=False` and is the single definition of
which moves are legal. Hosts are plain slotted objects, never registered with it, so 10,000 hosts cost
10,000 small objects rather than 10,000 machines or an O(n) `add_model` each.

Folding a log moves hosts millions of times, and a `transitions` trigger costs ~90 us here (event data,
callback lists, logging) against ~1 us for a dict lookup; so `fire` uses the machine's own transition table,
compiled once from it (`TABLE`), and `fire_with_machine` runs the real trigger. A test checks that the two
agree on every state and trigger.
"""

from __future__ import annotations

from enum import StrEnum

from transitions import Machine, MachineError

from rollout_tui.domain.events import EventType


class HostState(StrEnum):
    """Where a host is in its life."""

    BOOTING = "booting"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    FAILED = "failed"
    DRAINING = "draining"
    DRAINED = "drained"
    TERMINATED = "terminated"


class Fleet(StrEnum):
    """The two fleets of a rollout."""

    OLD = "old"
    NEW = "new"


TRANSITIONS: list[dict[str, object]] = [
    {"trigger": "become_healthy", "source": HostState.BOOTING, "dest": HostState.HEALTHY},
    {"trigger": "fail", "source": HostState.BOOTING, "dest": HostState.FAILED},
    {"trigger": "become_unhealthy", "source": HostState.HEALTHY, "dest": HostState.UNHEALTHY},
    {"trigger": "recover", "source": HostState.UNHEALTHY, "dest": HostState.HEALTHY},
    {
        "trigger": "start_drain",
        "source": [HostState.HEALTHY, HostState.UNHEALTHY],
        "dest": HostState.DRAINING,
    },
    {"trigger": "finish_drain", "source": HostState.DRAINING, "dest": HostState.DRAINED},
    {
        "trigger": "terminate",
        "source": [HostState.DRAINED, HostState.FAILED, HostState.UNHEALTHY],
        "dest": HostState.TERMINATED,
    },
]

TRIGGER_OF_EVENT: dict[str, str] = {
    EventType.HOST_BECAME_HEALTHY: "become_healthy",
    EventType.HOST_FAILED: "fail",
    EventType.HOST_BECAME_UNHEALTHY: "become_unhealthy",
    EventType.HOST_RECOVERED: "recover",
    EventType.DRAIN_STARTED: "start_drain",
    EventType.HOST_DRAINED: "finish_drain",
    EventType.HOST_TERMINATED: "terminate",
}
"""Which machine trigger each host event fires. `HostBooted` and `HostDiscovered` create the host."""


class IllegalTransitionError(Exception):
    """A host or rollout was asked to move where its machine does not allow."""


class Host:
    """One worker host; its `state` is owned by `HOST_MACHINE`."""

    __slots__ = ("apps", "fleet", "host_id", "since", "state")

    def __init__(self, host_id: str, fleet: str, state: str, since: str, apps: int = 0) -> None:
        self.host_id = host_id
        """The provider's id of the host."""
        self.fleet = fleet
        """`old` or `new`."""
        self.state = str(state)
        """A `HostState` value, as a plain string (the machine reads it by value)."""
        self.since = since
        """Event time of the last state change."""
        self.apps = apps
        """Apps running on the host, where the provider knows it."""

    def as_dict(self) -> dict[str, object]:
        return {
            "host_id": self.host_id,
            "fleet": self.fleet,
            "state": self.state,
            "since": self.since,
            "apps": self.apps,
        }


HOST_MACHINE = Machine(
    model=None,
    states=[s.value for s in HostState],
    transitions=[
        {
            **t,
            "source": [str(s) for s in t["source"]] if isinstance(t["source"], list) else str(t["source"]),
            "dest": str(t["dest"]),
        }
        for t in TRANSITIONS
    ],
    initial=HostState.BOOTING.value,
    auto_transitions=False,
    ignore_invalid_triggers=False,
)
"""The one machine every host shares."""


TABLE: dict[str, dict[str, str]] = {
    trigger: {source: moves[0].dest for source, moves in event.transitions.items()}
    for trigger, event in HOST_MACHINE.events.items()
}
"""trigger -> source state -> destination state, compiled from `HOST_MACHINE`."""

MOVES: dict[str, dict[str, str]] = {event_type: TABLE[t] for event_type, t in TRIGGER_OF_EVENT.items()}
"""Host event type -> source state -> destination state: `TABLE` looked up by the event that fires it."""


def _illegal(host: Host, trigger: str) -> IllegalTransitionError:
    return IllegalTransitionError(f"host {host.host_id} cannot {trigger.replace('_', ' ')} from {host.state}")


def fire(host: Host, trigger: str) -> None:
    """Move `host` with `trigger` by the compiled table, or raise `IllegalTransitionError`."""
    dest = TABLE[trigger].get(host.state)
    if dest is None:
        raise _illegal(host, trigger)
    host.state = dest


def fire_with_machine(host: Host, trigger: str) -> None:
    """Move `host` with `trigger` through the `transitions` machine itself (same outcome as `fire`)."""
    try:
        HOST_MACHINE.events[trigger].trigger(host)
    except MachineError as err:
        raise _illegal(host, trigger) from err


def can_fire(host_state: str, trigger: str) -> bool:
    """Whether `trigger` is legal from `host_state` (for command-time checks)."""
    return host_state in TABLE[trigger]
