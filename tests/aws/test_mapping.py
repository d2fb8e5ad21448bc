"""The pure mapping from Auto Scaling lifecycle and target health to host facts (states moto never shows)."""

from __future__ import annotations

import pytest

from rollout_tui.providers.aws.mapping import FleetTargets, TargetState, host_fact
from rollout_tui.providers.base import Lifecycle

HEALTHY = TargetState("healthy")


def _fact(
    lifecycle: str,
    states: list[TargetState],
    *,
    groups: int = 1,
    managed: bool = True,
    asked: bool = False,
    overdue: bool = False,
    health: str = "Healthy",
) -> tuple[Lifecycle, bool] | None:
    instance = {"InstanceId": "i-0abc", "LifecycleState": lifecycle, "HealthStatus": health}
    fact = host_fact(
        instance, "old", FleetTargets(groups, states, managed), drain_asked=asked, drain_overdue=overdue
    )
    return None if fact is None else (fact.lifecycle, fact.healthy)


@pytest.mark.parametrize("lifecycle", ["Pending", "Pending:Wait", "Pending:Proceed"])
def test_pending_lifecycles_are_pending(lifecycle: str) -> None:
    assert _fact(lifecycle, []) == (Lifecycle.PENDING, False)


@pytest.mark.parametrize(
    "lifecycle", ["Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated", "Detaching"]
)
def test_terminating_and_detaching_lifecycles_are_terminated(lifecycle: str) -> None:
    assert _fact(lifecycle, [HEALTHY]) == (Lifecycle.TERMINATED, False)


def test_standby_is_drained_and_warm_pool_is_not_listed() -> None:
    assert _fact("Standby", []) == (Lifecycle.DRAINED, False)
    assert _fact("Warmed:Running", []) is None


def test_in_service_with_healthy_target_and_healthy_asg_is_healthy() -> None:
    assert _fact("InService", [HEALTHY]) == (Lifecycle.IN_SERVICE, True)


def test_unhealthy_target_or_unhealthy_asg_is_in_service_but_unhealthy() -> None:
    assert _fact("InService", [TargetState("unhealthy", "Target.FailedHealthChecks")]) == (
        Lifecycle.IN_SERVICE,
        False,
    )
    assert _fact("InService", [HEALTHY], health="Unhealthy") == (Lifecycle.IN_SERVICE, False)
    assert _fact("InService", [HEALTHY, TargetState("unavailable")], groups=2) == (
        Lifecycle.IN_SERVICE,
        False,
    )


def test_target_group_serving_no_balancer_leaves_health_to_the_asg() -> None:
    assert _fact("InService", [TargetState("unused", "Target.NotInUse")]) == (Lifecycle.IN_SERVICE, True)


def test_initial_health_check_is_still_pending() -> None:
    assert _fact("InService", [TargetState("initial", "Elb.RegistrationInProgress")]) == (
        Lifecycle.PENDING,
        False,
    )


@pytest.mark.parametrize("state", ["draining", "unhealthy.draining"])
def test_draining_target_is_draining_until_overdue(state: str) -> None:
    draining = TargetState(state, "Target.DeregistrationInProgress")
    assert _fact("InService", [HEALTHY, draining], groups=2, asked=True) == (Lifecycle.DRAINING, False)
    assert _fact("InService", [draining], asked=True, overdue=True) == (Lifecycle.DRAINED, False)


def test_registered_nowhere_is_drained_when_asked_or_when_the_asg_manages_registration() -> None:
    not_registered = TargetState("unused", "Target.NotRegistered")
    assert _fact("InService", [not_registered], asked=True, managed=False) == (Lifecycle.DRAINED, False)
    assert _fact("InService", [], managed=True) == (Lifecycle.DRAINED, False)
    assert _fact("InService", [], managed=False) == (Lifecycle.IN_SERVICE, False)


def test_still_registered_after_drain_was_asked_is_draining() -> None:
    assert _fact("InService", [HEALTHY], asked=True) == (Lifecycle.DRAINING, False)


def test_fleet_without_target_groups_follows_asg_health_until_drain_is_asked() -> None:
    assert _fact("InService", [], groups=0) == (Lifecycle.IN_SERVICE, True)
    assert _fact("InService", [], groups=0, health="Unhealthy") == (Lifecycle.IN_SERVICE, False)
    assert _fact("InService", [], groups=0, asked=True) == (Lifecycle.DRAINED, False)
