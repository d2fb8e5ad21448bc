"""CloudWatch signals against moto: warnings, app health, alarms, and what is unreadable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollout_tui.providers.aws import AwsProvider
from rollout_tui.providers.base import SignalsUnreadableError
from tests.aws.conftest import WARNINGS, client
from tests.aws.fixtures import Fleets

END = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
"""Window end: whole minutes, in the recent past (CloudWatch keeps recent data)."""
START = END - timedelta(minutes=5)


def _put(name: str, values: list[tuple[int, float]], dimensions: list[dict[str, str]] | None = None) -> None:
    """Publish `(minutes before END, value)` points of metric `name` in the Workers namespace."""
    dims = dimensions if dimensions is not None else [{"Name": "Fleet", "Value": "all"}]
    client("cloudwatch").put_metric_data(
        Namespace="Workers",
        MetricData=[
            {
                "MetricName": name,
                "Dimensions": dims,
                "Value": value,
                "Timestamp": END - timedelta(minutes=ago),
            }
            for ago, value in values
        ],
    )


def _gauge(name: str, fleet: str) -> dict[str, Any]:
    return {"namespace": "Workers", "name": name, "dimensions": [{"name": "Fleet", "value": fleet}]}


def _alarm(name: str, state: str | None = None) -> None:
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="Workers",
        MetricName="AppWarnings",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100,
        ComparisonOperator="GreaterThanThreshold",
    )
    if state:
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


def test_warnings_are_the_sum_of_the_metric_over_the_window(provider: AwsProvider, fleets: Fleets) -> None:
    _put("AppWarnings", [(1, 12), (2, 30), (4, 8), (7, 1000)])
    _put("AppWarnings", [(1, 500)], dimensions=[{"Name": "Fleet", "Value": "other"}])
    signals = provider.read_signals(START, END)
    assert signals.warnings == 50
    assert (signals.start, signals.end) == (START, END)
    assert signals.alarms == ()
    assert signals.apps_healthy is None and signals.apps_corrupted is None


def test_sample_count_statistic_counts_data_points(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    _put("AppWarnings", [(1, 1), (1, 1), (2, 1)])
    provider = make_provider(warning_metric={**WARNINGS, "statistic": "SampleCount"})
    assert provider.read_signals(START, END).warnings == 3


def test_metric_without_data_points_in_the_window_counts_zero_warnings(
    provider: AwsProvider, fleets: Fleets
) -> None:
    assert provider.read_signals(START, END).warnings == 0


def test_missing_warning_metric_configuration_is_unreadable(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    provider = make_provider(warning_metric=None)
    with pytest.raises(SignalsUnreadableError, match=r"provider\.aws\.warning_metric") as caught:
        provider.read_signals(START, END)
    assert not caught.value.retryable


def test_alarms_in_alarm_state_are_returned(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    _alarm("errors-high", "ALARM")
    _alarm("latency-high", "OK")
    _alarm("queue-deep")
    provider = make_provider(alarm_names=["errors-high", "latency-high", "queue-deep"])
    assert provider.read_signals(START, END).alarms == ("errors-high",)
    client("cloudwatch").set_alarm_state(AlarmName="errors-high", StateValue="OK", StateReason="test")
    assert provider.read_signals(START, END).alarms == ()


def test_configured_alarm_that_does_not_exist_is_unreadable(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    _alarm("errors-high", "OK")
    provider = make_provider(alarm_names=["errors-high", "errors-hihg"])
    with pytest.raises(SignalsUnreadableError, match="alarm\\(s\\) not found: errors-hihg") as caught:
        provider.read_signals(START, END)
    assert caught.value.operation == "DescribeAlarms"


def test_app_health_is_the_latest_gauge_summed_over_fleets(
    make_provider: Callable[..., AwsProvider], fleets: Fleets
) -> None:
    _put("HealthyApps", [(3, 90), (1, 80)], [{"Name": "Fleet", "Value": "old"}])
    _put("BrokenApps", [(3, 1), (1, 4)], [{"Name": "Fleet", "Value": "old"}])
    _put("HealthyApps", [(2, 20)], [{"Name": "Fleet", "Value": "new"}])
    provider = make_provider(
        app_health={
            "old": {"healthy": _gauge("HealthyApps", "old"), "unhealthy": _gauge("BrokenApps", "old")},
            "new": {"healthy": _gauge("HealthyApps", "new"), "unhealthy": _gauge("BrokenApps", "new")},
        }
    )
    signals = provider.read_signals(START, END)
    assert (signals.apps_healthy, signals.apps_corrupted) == (100, 4)
