"""Throttling, server errors and timeouts on every kind of call: retried and reported, or a ProviderError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollout_tui.providers.aws import AwsProvider, build
from rollout_tui.providers.base import IncidentKind, ProviderError, SignalsUnreadableError
from tests.aws.conftest import SECRET, aws_settings
from tests.aws.faults import FaultKind, Faults
from tests.aws.fixtures import Fleets

END = datetime.now(UTC).replace(second=0, microsecond=0)
START = END - timedelta(minutes=5)

Action = Callable[[AwsProvider, Fleets], Any]

CALL_KINDS: list[tuple[str, str, str, Action]] = [
    ("list_hosts", "autoscaling", "DescribeAutoScalingGroups", lambda p, f: p.list_hosts()),
    ("list_hosts", "elbv2", "DescribeTargetHealth", lambda p, f: p.list_hosts()),
    ("scale", "autoscaling", "SetDesiredCapacity", lambda p, f: p.scale_new_fleet(2)),
    ("scale", "autoscaling", "UpdateAutoScalingGroup", lambda p, f: p.scale_new_fleet(2)),
    ("drain", "autoscaling", "DescribeAutoScalingInstances", lambda p, f: p.drain(f.old_instance_ids[0])),
    ("drain", "elbv2", "DeregisterTargets", lambda p, f: p.drain(f.old_instance_ids[0])),
    (
        "terminate",
        "autoscaling",
        "TerminateInstanceInAutoScalingGroup",
        lambda p, f: p.terminate(f.old_instance_ids[0]),
    ),
    ("read_signals", "cloudwatch", "GetMetricData", lambda p, f: p.read_signals(START, END)),
    ("read_signals", "cloudwatch", "DescribeAlarms", lambda p, f: p.read_signals(START, END)),
]
IDS = [operation for _, _, operation, _ in CALL_KINDS]


@pytest.fixture
def alarmed_provider(make_provider: Callable[..., AwsProvider], fleets: Fleets) -> AwsProvider:
    """A provider that reads an alarm too (so `DescribeAlarms` is called)."""
    provider = make_provider(alarm_names=["errors-high"])
    provider.caller.clients["cloudwatch"].put_metric_alarm(
        AlarmName="errors-high",
        Namespace="Workers",
        MetricName="AppWarnings",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100,
        ComparisonOperator="GreaterThanThreshold",
    )
    return provider


OTHER_FAULTS: list[tuple[FaultKind, IncidentKind]] = [
    ("unavailable", IncidentKind.ERROR),
    ("read_timeout", IncidentKind.ERROR),
    ("connect_timeout", IncidentKind.ERROR),
]
RETRIED = [
    pytest.param(*call_kind, kind, expected, id=f"{call_kind[2]}-{kind}")
    for index, call_kind in enumerate(CALL_KINDS)
    for kind, expected in [("throttle", IncidentKind.THROTTLED), OTHER_FAULTS[index % len(OTHER_FAULTS)]]
]
"""Every call kind throttled, and each also failing with one of the other faults in turn."""


@pytest.mark.parametrize(("call", "service", "operation", "action", "kind", "expected"), RETRIED)
def test_retried_faults_succeed_and_are_reported_as_incidents(
    alarmed_provider: AwsProvider,
    fleets: Fleets,
    call: str,
    service: str,
    operation: str,
    action: Action,
    kind: FaultKind,
    expected: IncidentKind,
) -> None:
    faults = Faults(alarmed_provider.caller.clients[service]).fail(operation, kind, times=2)
    action(alarmed_provider, fleets)
    assert faults.injected == [(operation, kind)] * 2
    incidents = alarmed_provider.take_incidents()
    assert [(i.kind, i.operation) for i in incidents] == [(expected, operation)] * 2
    assert [i.data["attempt"] for i in incidents] == [1, 2]
    assert all("\n" not in i.detail and SECRET not in i.detail for i in incidents)
    assert incidents[0].at == alarmed_provider.clock.now()
    assert alarmed_provider.take_incidents() == []


@pytest.mark.parametrize(("call", "service", "operation", "action"), CALL_KINDS, ids=IDS)
def test_exhausted_throttling_raises_a_one_line_throttled_provider_error(
    alarmed_provider: AwsProvider, fleets: Fleets, call: str, service: str, operation: str, action: Action
) -> None:
    Faults(alarmed_provider.caller.clients[service]).fail(operation, "throttle", times=3)
    with pytest.raises(ProviderError) as caught:
        action(alarmed_provider, fleets)
    err = caught.value
    assert str(err) == f"{operation}: Throttling: Rate exceeded (after 3 attempts)"
    assert (err.operation, err.throttled, err.retryable) == (operation, True, True)
    assert isinstance(err, SignalsUnreadableError) == (call == "read_signals")
    incidents = alarmed_provider.take_incidents()
    assert [(i.kind, i.operation) for i in incidents] == [(IncidentKind.THROTTLED, operation)] * 2


@pytest.mark.parametrize(("call", "service", "operation", "action"), CALL_KINDS, ids=IDS)
def test_exhausted_timeouts_raise_a_retryable_provider_error(
    alarmed_provider: AwsProvider, fleets: Fleets, call: str, service: str, operation: str, action: Action
) -> None:
    Faults(alarmed_provider.caller.clients[service]).fail(operation, "read_timeout", times=3)
    with pytest.raises(ProviderError) as caught:
        action(alarmed_provider, fleets)
    assert str(caught.value) == f"{operation}: read timed out (after 3 attempts)"
    assert (caught.value.throttled, caught.value.retryable) == (False, True)
    assert "amazonaws.com" not in str(caught.value)


def test_exhausted_server_errors_raise_a_retryable_provider_error(
    provider: AwsProvider, fleets: Fleets
) -> None:
    Faults(provider.caller.clients["autoscaling"]).fail("SetDesiredCapacity", "unavailable", times=3)
    with pytest.raises(ProviderError) as caught:
        provider.scale_new_fleet(3)
    assert str(caught.value) == (
        "SetDesiredCapacity: ServiceUnavailable: Service is unavailable (after 3 attempts)"
    )
    assert (caught.value.throttled, caught.value.retryable) == (False, True)


def test_access_denied_is_not_retried_and_not_retryable(provider: AwsProvider, fleets: Fleets) -> None:
    faults = Faults(provider.caller.clients["elbv2"]).fail("DeregisterTargets", "denied", times=3)
    with pytest.raises(ProviderError) as caught:
        provider.drain(fleets.old_instance_ids[0])
    assert (
        str(caught.value) == "DeregisterTargets: AccessDenied: User is not authorized to perform this action"
    )
    assert not caught.value.retryable
    assert len(faults.injected) == 1
    assert provider.take_incidents() == []


def test_without_credentials_calls_fail_clearly_without_retrying(
    monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    provider = build(aws_settings(), old="workers-old", new="workers-new", clock=clock)
    with pytest.raises(ProviderError, match="no usable AWS credentials found") as caught:
        provider.list_hosts()
    assert not caught.value.retryable
    provider.close()
