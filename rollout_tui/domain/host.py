"""The host lifecycle: one `transitions` Machine shared by every host of every fleet.

The machine is built once with `model=None` and `auto_transitions=False`; hosts are plain slotted objects
that the machine's events are fired on directly (`machine.events[trigger].trigger(host)`), so 10,000 hosts
cost 10,000 small objects, not 10,000 machines nor an O(n) `add_model` each.
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


def fire(host: Host, trigger: str) -> None:
    """Move `host` with `trigger`, or raise `IllegalTransitionError` naming where it was."""
    try:
        HOST_MACHINE.events[trigger].trigger(host)
    except MachineError as err:
        raise IllegalTransitionError(
            f"host {host.host_id} cannot {trigger.replace('_', ' ')} from {host.state}"
        ) from err


def can_fire(host_state: str, trigger: str) -> bool:
    """Whether `trigger` is legal from `host_state` (for command-time checks)."""
    return host_state in HOST_MACHINE.events[trigger].transitions
