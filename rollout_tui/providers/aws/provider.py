"""`AwsProvider`: two Auto Scaling groups behind ELBv2 target groups, with CloudWatch signals.

Host facts are mapped as `mapping` documents; signals are read as `signals` documents. Actions:

- `scale_new_fleet(n)`: `SetDesiredCapacity` of the new group (`HonorCooldown=False`), first raising its
  `MaxSize` (or lowering its `MinSize`) with `UpdateAutoScalingGroup` when `n` lies outside them. Skipped
  when the desired capacity already is `n`.
- `drain(host)`: `DeregisterTargets` from each target group of its fleet that still lists it (and is not
  already draining it). A host already gone, or registered nowhere, needs nothing.
- `terminate(host)`: clears scale-in protection if set (`SetInstanceProtection`), lowers the group's
  `MinSize` when the group is at its minimum, then `TerminateInstanceInAutoScalingGroup` with
  `ShouldDecrementDesiredCapacity=True`, so the group does not launch a replacement. A host already
  terminating or gone needs nothing. Drained hosts of the group that were registered again meanwhile are
  deregistered again.

No lifecycle hooks, instance refresh or DNS lookups are used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollout_tui.providers.aws.calls import AwsCallError, Caller
from rollout_tui.providers.aws.mapping import FleetTargets, TargetState, host_fact
from rollout_tui.providers.aws.settings import AwsSettings
from rollout_tui.providers.aws.signals import read_signals
from rollout_tui.providers.base import (
    Clock,
    HostFact,
    Incident,
    IncidentKind,
    Lifecycle,
    ProviderError,
    Signals,
)

_GONE_CODES = frozenset({"InvalidTarget", "ValidationError"})


class AwsProvider:
    """The `aws` provider. Build it with `rollout_tui.providers.aws.build`."""

    name = "aws"
    """Recorded as the actor `provider:aws`."""

    def __init__(
        self,
        settings: AwsSettings,
        *,
        old: str,
        new: str,
        clock: Clock,
        clients: dict[str, Any],
        region: str,
    ) -> None:
        self.settings = settings
        """The validated `[provider.aws]` table."""
        self.groups = {"old": old, "new": new}
        """Auto Scaling group name per fleet."""
        self.region = region
        """The region in use."""
        self.clock = clock
        """Time for drain deadlines and incidents."""
        self.caller = Caller(clients, clock)
        """The boto3 clients behind retry accounting."""
        self._drains: dict[str, datetime] = {}
        self._overdue_noted: set[str] = set()
        self._terminated: dict[str, str] = {}
        self._fleet_of: dict[str, str] = {}
        self._target_groups: dict[str, tuple[list[str], bool]] = {}

    # -- facts ---------------------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """Group names, region, target groups and metric settings; never credentials."""
        s = self.settings
        return {
            "provider": "aws",
            "region": self.region,
            "profile": s.profile,
            "endpoint_url": s.endpoint_url,
            "fleets": dict(self.groups),
            "target_group_arns": s.target_group_arns,
            "warning_metric": s.warning_metric.model_dump() if s.warning_metric else None,
            "app_health": s.app_health.model_dump() if s.app_health else None,
            "alarm_names": list(s.alarm_names),
            "retries": {"mode": s.retry_mode, "max_attempts": s.max_attempts},
        }

    def list_hosts(self) -> list[HostFact]:
        """Instances of both groups with their target health (see `mapping`)."""
        groups = self._describe_groups(list(self.groups.values()))
        health: dict[str, dict[str, TargetState]] = {}
        facts: list[HostFact] = []
        seen: set[str] = set()
        now = self.clock.now()
        for fleet, group_name in self.groups.items():
            group = groups[group_name]
            arns, managed = self._remember_target_groups(fleet, group)
            for arn in arns:
                if arn not in health:
                    health[arn] = self._target_health(arn)
            for instance in group.get("Instances", []):
                host_id = str(instance["InstanceId"])
                states = [health[arn][host_id] for arn in arns if host_id in health[arn]]
                fact = host_fact(
                    instance,
                    fleet,
                    FleetTargets(len(arns), states, managed),
                    drain_asked=host_id in self._drains,
                    drain_overdue=self._overdue(host_id, now),
                )
                if fact is None:
                    continue
                if fact.lifecycle is Lifecycle.DRAINED and self._overdue(host_id, now):
                    self._note_overdue(host_id, states)
                self._fleet_of[host_id] = fleet
                seen.add(host_id)
                facts.append(fact)
        for host_id, fleet in self._terminated.items():
            if host_id not in seen:
                facts.append(HostFact(host_id, fleet, Lifecycle.TERMINATED, healthy=False))
        return facts

    def read_signals(self, start: datetime, end: datetime) -> Signals:
        """Warnings, app health and alarms from CloudWatch (see `signals`)."""
        return read_signals(self.caller, self.settings, start, end)

    def take_incidents(self) -> list[Incident]:
        """Throttles and errors retried past since the last call, oldest first."""
        return self.caller.take_incidents()

    # -- actions -------------------------------------------------------------------------------------

    def scale_new_fleet(self, desired: int) -> None:
        """Set the new group's desired capacity to `desired`, widening Min/MaxSize if needed."""
        if desired < 0:
            raise ProviderError("SetDesiredCapacity", f"desired capacity {desired} < 0", retryable=False)
        name = self.groups["new"]
        group = self._describe_groups([name])[name]
        limits: dict[str, int] = {}
        if desired > int(group["MaxSize"]):
            limits["MaxSize"] = desired
        if desired < int(group["MinSize"]):
            limits["MinSize"] = desired
        if limits:
            self.caller.call("autoscaling", "UpdateAutoScalingGroup", AutoScalingGroupName=name, **limits)
        if int(group["DesiredCapacity"]) != desired:
            self.caller.call(
                "autoscaling",
                "SetDesiredCapacity",
                AutoScalingGroupName=name,
                DesiredCapacity=desired,
                HonorCooldown=False,
            )

    def drain(self, host_id: str) -> None:
        """Deregister `host_id` from its fleet's target groups. Idempotent."""
        instance = self._find_instance(host_id)
        if instance is not None and not _leaving(instance):
            fleet = self._fleet_of_group(str(instance["AutoScalingGroupName"]), host_id, "DeregisterTargets")
            arns = self._fleet_target_groups(fleet)
            for arn in arns:
                self._deregister(arn, {host_id})
        self._drains.setdefault(host_id, self.clock.now())

    def terminate(self, host_id: str) -> None:
        """Terminate `host_id` and shrink its group by one. Idempotent."""
        instance = self._find_instance(host_id)
        if instance is None or _leaving(instance):
            if host_id in self._fleet_of:
                self._terminated.setdefault(host_id, self._fleet_of[host_id])
            return
        group_name = str(instance["AutoScalingGroupName"])
        fleet = self._fleet_of_group(group_name, host_id, "TerminateInstanceInAutoScalingGroup")
        if instance.get("ProtectedFromScaleIn"):
            self.caller.call(
                "autoscaling",
                "SetInstanceProtection",
                InstanceIds=[host_id],
                AutoScalingGroupName=group_name,
                ProtectedFromScaleIn=False,
            )
        group = self._describe_groups([group_name])[group_name]
        if int(group["DesiredCapacity"]) - 1 < int(group["MinSize"]):
            self.caller.call(
                "autoscaling",
                "UpdateAutoScalingGroup",
                AutoScalingGroupName=group_name,
                MinSize=max(0, int(group["DesiredCapacity"]) - 1),
            )
        try:
            self.caller.call(
                "autoscaling",
                "TerminateInstanceInAutoScalingGroup",
                InstanceId=host_id,
                ShouldDecrementDesiredCapacity=True,
            )
        except AwsCallError as err:
            if err.code != "ValidationError" or "not found" not in err.detail.lower():
                raise
        self._terminated[host_id] = fleet
        self._keep_drained(fleet)

    def close(self) -> None:
        """Close the HTTP connection pools of the clients."""
        for client in self.caller.clients.values():
            client.close()

    # -- helpers -------------------------------------------------------------------------------------

    def _describe_groups(self, names: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        pages = self.caller.pages("autoscaling", "DescribeAutoScalingGroups", AutoScalingGroupNames=names)
        for page in pages:
            for group in page.get("AutoScalingGroups", []):
                found[group["AutoScalingGroupName"]] = group
        missing = [name for name in names if name not in found]
        if missing:
            raise ProviderError(
                "DescribeAutoScalingGroups",
                f"Auto Scaling group(s) not found: {', '.join(missing)} (check [fleets] and the region)",
                retryable=False,
            )
        return found

    def _remember_target_groups(self, fleet: str, group: dict[str, Any]) -> tuple[list[str], bool]:
        if self.settings.target_group_arns is not None:
            found = (list(self.settings.target_group_arns), False)
        else:
            found = (list(group.get("TargetGroupARNs", [])), True)
        self._target_groups[fleet] = found
        return found

    def _fleet_target_groups(self, fleet: str) -> list[str]:
        if fleet not in self._target_groups:
            name = self.groups[fleet]
            self._remember_target_groups(fleet, self._describe_groups([name])[name])
        return self._target_groups[fleet][0]

    def _target_health(self, arn: str) -> dict[str, TargetState]:
        result = self.caller.call("elbv2", "DescribeTargetHealth", TargetGroupArn=arn)
        states: dict[str, TargetState] = {}
        for item in result.get("TargetHealthDescriptions", []):
            health = item.get("TargetHealth", {})
            target = TargetState(str(health.get("State", "")), str(health.get("Reason", "")))
            previous = states.get(item["Target"]["Id"])
            if previous is None or target.state in ("draining", "unhealthy.draining"):
                states[item["Target"]["Id"]] = target
        return states

    def _keep_drained(self, fleet: str) -> None:
        """Deregister again the drained hosts of `fleet` that were registered again.

        Attaching target groups to a group registers all its instances, drained ones too (and moto does so on
        every capacity change of the group, such as a terminate).
        """
        if not self._drains:
            return
        asked = set(self._drains)
        for arn in self._fleet_target_groups(fleet):
            self._deregister(arn, asked)

    def _deregister(self, arn: str, host_ids: set[str]) -> None:
        """Deregister those of `host_ids` that `arn` still serves (not already draining)."""
        result = self.caller.call("elbv2", "DescribeTargetHealth", TargetGroupArn=arn)
        targets = [
            {key: item["Target"][key] for key in ("Id", "Port") if key in item["Target"]}
            for item in result.get("TargetHealthDescriptions", [])
            if item["Target"]["Id"] in host_ids
            and TargetState(item["TargetHealth"]["State"], item["TargetHealth"].get("Reason", "")).registered
            and item["TargetHealth"]["State"] not in ("draining", "unhealthy.draining")
        ]
        if not targets:
            return
        try:
            self.caller.call("elbv2", "DeregisterTargets", TargetGroupArn=arn, Targets=targets)
        except AwsCallError as err:
            if err.code not in _GONE_CODES:
                raise

    def _find_instance(self, host_id: str) -> dict[str, Any] | None:
        result = self.caller.call("autoscaling", "DescribeAutoScalingInstances", InstanceIds=[host_id])
        instances = result.get("AutoScalingInstances", [])
        return instances[0] if instances else None

    def _fleet_of_group(self, group_name: str, host_id: str, operation: str) -> str:
        for fleet, name in self.groups.items():
            if name == group_name:
                self._fleet_of[host_id] = fleet
                return fleet
        raise ProviderError(
            operation, f"{host_id} belongs to group {group_name}, not to either fleet", retryable=False
        )

    def _overdue(self, host_id: str, now: datetime) -> bool:
        asked = self._drains.get(host_id)
        limit = self.settings.deregistration_timeout_seconds
        return asked is not None and limit is not None and (now - asked).total_seconds() >= limit

    def _note_overdue(self, host_id: str, states: list[TargetState]) -> None:
        if host_id in self._overdue_noted or not any(s.state.endswith("draining") for s in states):
            return
        self._overdue_noted.add(host_id)
        limit = self.settings.deregistration_timeout_seconds
        self.caller.note(
            Incident(
                IncidentKind.ERROR,
                "drain",
                f"{host_id} still draining {limit}s after deregistration; reported drained",
                self.clock.now(),
                {"host_id": host_id, "timeout_seconds": limit},
            )
        )


def _leaving(instance: dict[str, Any]) -> bool:
    """True for an instance already terminating, terminated or detaching."""
    state = str(instance.get("LifecycleState", ""))
    return state.startswith("Terminat") or state.startswith("Detach")
