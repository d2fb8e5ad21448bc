"""How an Auto Scaling instance and its ELBv2 target health become a `HostFact` (pure: no AWS calls).

Inputs per instance: the group's `LifecycleState` and `HealthStatus`, its target health in each target group
of its fleet (from `DescribeTargetHealth` of the whole group: registered and draining targets), whether this
provider asked to drain it, and whether that drain is overdue (`deregistration_timeout_seconds`).

Auto Scaling lifecycle          target health in the fleet's target groups      -> lifecycle, healthy
------------------------------  ----------------------------------------------  --------------------------
Pending, Pending:Wait/Proceed   any                                             PENDING, no
Terminating*, Terminated        any                                             TERMINATED, no
Detaching, Detached             any (it is leaving the fleet)                   TERMINATED, no
EnteringStandby, Standby        any (Auto Scaling deregistered it)              DRAINED, no
Warmed:*                        (warm pool: not fleet capacity)                 not listed
InService                       fleet has no target groups                      DRAINED once drain() was
                                                                                asked, else IN_SERVICE,
                                                                                healthy = ASG Healthy
InService                       draining / unhealthy.draining in any group      DRAINING, no (DRAINED once
                                                                                the drain is overdue)
InService                       registered in none, drain() asked               DRAINED, no
InService                       registered in none, groups from the ASG         DRAINED, no (recovery)
InService                       registered in none, groups from the plan        IN_SERVICE, no
InService                       still registered, drain() asked                 DRAINING, no
InService                       initial in any group                            PENDING, no
InService                       otherwise                                       IN_SERVICE, healthy = ASG
                                                                                Healthy and every group
                                                                                that lists it says healthy

Recovery after a restart: the set of drains asked is kept in memory only. Auto Scaling registers every
instance with its group's target groups before it goes `InService`, so an `InService` instance registered in
none of them has been deregistered on purpose: that is a drain, and it is reported DRAINED without memory.
Target groups named in the plan (`target_group_arns`) carry no such guarantee (something else registers
hosts there), so there a host registered nowhere is DRAINED only once `drain()` was asked in this process;
the engine asks again for drains its log says it started (drain is idempotent), which restores the memory.
`unused` with reason `Target.NotInUse` (the group serves no load balancer in that zone) says nothing about
the host, so the Auto Scaling health decides there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rollout_tui.providers.base import HostFact, Lifecycle

DRAINING_STATES = frozenset({"draining", "unhealthy.draining"})
"""Target states of a deregistration in progress."""


@dataclass(frozen=True, slots=True)
class TargetState:
    """One target's health in one target group."""

    state: str
    """`initial`, `healthy`, `unhealthy`, `unhealthy.draining`, `unused`, `draining` or `unavailable`."""
    reason: str = ""
    """The reason code, e.g. `Target.NotRegistered`."""

    @property
    def registered(self) -> bool:
        """False when the target group does not know the target (any more)."""
        return not (self.state == "unused" and self.reason == "Target.NotRegistered")

    @property
    def serving_or_unknown(self) -> bool:
        """True when this group's health check passes, or the group cannot judge (serves no balancer)."""
        return self.state == "healthy" or (self.state == "unused" and self.reason == "Target.NotInUse")


@dataclass(frozen=True, slots=True)
class FleetTargets:
    """What the fleet's target groups say about one instance."""

    group_count: int
    """How many target groups the fleet serves behind (0: none)."""
    states: Sequence[TargetState]
    """The instance's state in each group that lists it."""
    managed_by_asg: bool
    """True when the groups come from the Auto Scaling group (which registers its instances in them)."""


def host_fact(
    instance: dict[str, Any],
    fleet: str,
    targets: FleetTargets,
    *,
    drain_asked: bool,
    drain_overdue: bool = False,
) -> HostFact | None:
    """The fact for one `Instances` entry of `DescribeAutoScalingGroups`; None for warm-pool instances."""
    host_id = str(instance["InstanceId"])
    lifecycle = str(instance.get("LifecycleState", ""))
    asg_healthy = instance.get("HealthStatus") == "Healthy"

    def fact(state: Lifecycle, healthy: bool = False) -> HostFact:
        return HostFact(host_id=host_id, fleet=fleet, lifecycle=state, healthy=healthy)

    if lifecycle.startswith("Warmed"):
        return None
    if lifecycle.startswith("Pending"):
        return fact(Lifecycle.PENDING)
    if lifecycle.startswith("Terminat") or lifecycle.startswith("Detach"):
        return fact(Lifecycle.TERMINATED)
    if lifecycle in ("EnteringStandby", "Standby"):
        return fact(Lifecycle.DRAINED)
    if targets.group_count == 0:
        return fact(Lifecycle.DRAINED) if drain_asked else fact(Lifecycle.IN_SERVICE, asg_healthy)
    registered = [t for t in targets.states if t.registered]
    if any(t.state in DRAINING_STATES for t in registered):
        return fact(Lifecycle.DRAINED if drain_overdue else Lifecycle.DRAINING)
    if not registered:
        if drain_asked or targets.managed_by_asg:
            return fact(Lifecycle.DRAINED)
        return fact(Lifecycle.IN_SERVICE)
    if drain_asked:
        return fact(Lifecycle.DRAINING)
    if any(t.state == "initial" for t in registered):
        return fact(Lifecycle.PENDING)
    healthy = asg_healthy and all(t.serving_or_unknown for t in registered)
    return fact(Lifecycle.IN_SERVICE, healthy)
