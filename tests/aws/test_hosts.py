"""Host facts and actions against moto: list, scale, drain, terminate."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rollout_tui.providers.aws import AwsProvider
from rollout_tui.providers.base import HostFact, Lifecycle, ProviderError
from tests.aws.conftest import calls_made, client
from tests.aws.fixtures import Fleets


def _by_id(facts: list[HostFact]) -> dict[str, HostFact]:
    return {fact.host_id: fact for fact in facts}


def _group(name: str) -> dict:
    return client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]


def _registered(fleets: Fleets) -> set[str]:
    health = client("elbv2").describe_target_health(TargetGroupArn=fleets.target_group_arn)
    return {item["Target"]["Id"] for item in health["TargetHealthDescriptions"]}


def test_old_fleet_in_service_behind_healthy_targets_is_listed_healthy(
    provider: AwsProvider, fleets: Fleets
) -> None:
    facts = provider.list_hosts()
    assert sorted(f.host_id for f in facts) == sorted(fleets.old_instance_ids)
    assert {(f.fleet, f.lifecycle, f.healthy) for f in facts} == {("old", Lifecycle.IN_SERVICE, True)}


def test_missing_group_is_a_non_retryable_provider_error(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    provider = make_provider()
    provider.groups["new"] = "no-such-group"
    with pytest.raises(ProviderError) as caught:
        provider.list_hosts()
    assert caught.value.operation == "DescribeAutoScalingGroups"
    assert "no-such-group" in caught.value.detail
    assert not caught.value.retryable


def test_scale_new_fleet_raises_max_size_and_new_hosts_become_healthy(
    provider: AwsProvider, fleets: Fleets
) -> None:
    provider.scale_new_fleet(4)
    group = _group(fleets.new)
    assert (group["DesiredCapacity"], group["MaxSize"]) == (4, 4)
    new = [f for f in provider.list_hosts() if f.fleet == "new"]
    assert len(new) == 4
    assert {(f.lifecycle, f.healthy) for f in new} == {(Lifecycle.IN_SERVICE, True)}


def test_scale_new_fleet_is_idempotent_and_sets_a_total(provider: AwsProvider, fleets: Fleets) -> None:
    provider.scale_new_fleet(2)
    made = calls_made(provider)
    provider.scale_new_fleet(2)
    assert made == ["DescribeAutoScalingGroups"]
    provider.scale_new_fleet(0)
    group = _group(fleets.new)
    assert (group["DesiredCapacity"], group["MinSize"], len(group["Instances"])) == (0, 0, 0)


def test_scale_new_fleet_lowers_min_size_to_reach_a_smaller_total(
    provider: AwsProvider, fleets: Fleets
) -> None:
    client("autoscaling").update_auto_scaling_group(
        AutoScalingGroupName=fleets.new, MinSize=3, MaxSize=5, DesiredCapacity=3
    )
    provider.scale_new_fleet(1)
    group = _group(fleets.new)
    assert (group["MinSize"], group["DesiredCapacity"]) == (1, 1)


def test_drain_deregisters_the_target_and_the_host_becomes_drained(
    provider: AwsProvider, fleets: Fleets
) -> None:
    host = fleets.old_instance_ids[0]
    provider.drain(host)
    assert host not in _registered(fleets)
    facts = _by_id(provider.list_hosts())
    assert (facts[host].lifecycle, facts[host].healthy) == (Lifecycle.DRAINED, False)
    others = [facts[h] for h in fleets.old_instance_ids[1:]]
    assert {(f.lifecycle, f.healthy) for f in others} == {(Lifecycle.IN_SERVICE, True)}


def test_drain_is_idempotent(provider: AwsProvider, fleets: Fleets) -> None:
    host = fleets.old_instance_ids[0]
    provider.drain(host)
    made = calls_made(provider)
    provider.drain(host)
    assert "DeregisterTargets" not in made
    assert _by_id(provider.list_hosts())[host].lifecycle is Lifecycle.DRAINED


def test_drained_host_is_recognised_by_a_restarted_provider(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    host = fleets.old_instance_ids[1]
    make_provider().drain(host)
    restarted = make_provider()
    assert _by_id(restarted.list_hosts())[host].lifecycle is Lifecycle.DRAINED


def test_plan_target_groups_need_the_drain_to_be_asked_before_reporting_drained(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    host = fleets.old_instance_ids[0]
    first = make_provider(target_group_arns=[fleets.target_group_arn])
    first.drain(host)
    assert _by_id(first.list_hosts())[host].lifecycle is Lifecycle.DRAINED
    restarted = make_provider(target_group_arns=[fleets.target_group_arn])
    fact = _by_id(restarted.list_hosts())[host]
    assert (fact.lifecycle, fact.healthy) == (Lifecycle.IN_SERVICE, False)
    restarted.drain(host)
    assert _by_id(restarted.list_hosts())[host].lifecycle is Lifecycle.DRAINED


def test_fleet_without_target_groups_is_drained_once_asked(provider: AwsProvider, fleets: Fleets) -> None:
    client("autoscaling").detach_load_balancer_target_groups(
        AutoScalingGroupName=fleets.old, TargetGroupARNs=[fleets.target_group_arn]
    )
    host = fleets.old_instance_ids[0]
    assert _by_id(provider.list_hosts())[host].lifecycle is Lifecycle.IN_SERVICE
    provider.drain(host)
    assert _by_id(provider.list_hosts())[host].lifecycle is Lifecycle.DRAINED


def test_drain_of_an_unknown_or_gone_host_does_nothing(provider: AwsProvider) -> None:
    made = calls_made(provider)
    provider.drain("i-00000000000000000")
    assert made == ["DescribeAutoScalingInstances"]


def test_terminate_shrinks_the_group_and_reports_the_host_terminated(
    provider: AwsProvider, fleets: Fleets
) -> None:
    host = fleets.old_instance_ids[0]
    provider.drain(host)
    provider.terminate(host)
    group = _group(fleets.old)
    assert group["DesiredCapacity"] == 2
    assert group["MinSize"] == 2
    assert host not in {i["InstanceId"] for i in group["Instances"]}
    state = client("ec2").describe_instances(InstanceIds=[host])["Reservations"][0]["Instances"][0]["State"]
    assert state["Name"] in ("shutting-down", "terminated")
    facts = _by_id(provider.list_hosts())
    assert (facts[host].fleet, facts[host].lifecycle) == ("old", Lifecycle.TERMINATED)
    assert len(facts) == 3


def test_drained_hosts_stay_drained_when_the_group_registers_them_again(
    provider: AwsProvider, fleets: Fleets
) -> None:
    first, second, third = fleets.old_instance_ids
    provider.drain(first)
    provider.drain(second)
    client("autoscaling").attach_load_balancer_target_groups(
        AutoScalingGroupName=fleets.old, TargetGroupARNs=[fleets.target_group_arn]
    )
    assert _by_id(provider.list_hosts())[second].lifecycle is Lifecycle.DRAINING
    provider.terminate(first)
    facts = _by_id(provider.list_hosts())
    assert facts[second].lifecycle is Lifecycle.DRAINED
    assert (facts[third].lifecycle, facts[third].healthy) == (Lifecycle.IN_SERVICE, True)
    assert _registered(fleets) == {third}


def test_terminate_clears_scale_in_protection_first(provider: AwsProvider, fleets: Fleets) -> None:
    host = fleets.old_instance_ids[2]
    client("autoscaling").set_instance_protection(
        InstanceIds=[host], AutoScalingGroupName=fleets.old, ProtectedFromScaleIn=True
    )
    made = calls_made(provider)
    provider.terminate(host)
    assert made.index("SetInstanceProtection") < made.index("TerminateInstanceInAutoScalingGroup")
    assert host not in {i["InstanceId"] for i in _group(fleets.old)["Instances"]}


def test_terminate_of_an_unprotected_host_does_not_touch_protection(
    provider: AwsProvider, fleets: Fleets
) -> None:
    made = calls_made(provider)
    provider.terminate(fleets.old_instance_ids[0])
    assert "SetInstanceProtection" not in made


def test_terminate_is_idempotent_for_an_already_terminated_host(
    provider: AwsProvider, fleets: Fleets
) -> None:
    host = fleets.old_instance_ids[0]
    provider.terminate(host)
    made = calls_made(provider)
    provider.terminate(host)
    provider.terminate("i-00000000000000000")
    assert "TerminateInstanceInAutoScalingGroup" not in made
    assert _group(fleets.old)["DesiredCapacity"] == 2
    assert "i-00000000000000000" not in _by_id(provider.list_hosts())


def test_host_of_another_group_is_refused(provider: AwsProvider, fleets: Fleets) -> None:
    autoscaling = client("autoscaling")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="unrelated",
        LaunchTemplate={"LaunchTemplateId": fleets.launch_template_id, "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        DesiredCapacity=1,
        VPCZoneIdentifier=fleets.subnet_id,
    )
    stranger = _group("unrelated")["Instances"][0]["InstanceId"]
    for action in (provider.drain, provider.terminate):
        with pytest.raises(ProviderError, match="not to either fleet") as caught:
            action(stranger)
        assert not caught.value.retryable
    assert len(_group("unrelated")["Instances"]) == 1
