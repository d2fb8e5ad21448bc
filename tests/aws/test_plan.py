"""The built-in `aws-example` plan: it parses, its settings validate, and it runs against moto's fleets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from rollout_tui.engine.plan import load_plan
from rollout_tui.providers import build_provider
from rollout_tui.providers.base import Lifecycle, SignalsUnreadableError, SimulatedClock
from tests.aws.conftest import client
from tests.aws.fixtures import Fleets


def test_aws_example_plan_parses_with_aws_provider_settings() -> None:
    plan = load_plan("aws-example")
    assert plan.provider.kind == "aws"
    assert (plan.fleets.old, plan.fleets.new) == ("workers-old", "workers-new")
    settings = plan.provider.settings()
    assert settings["warning_metric"]["name"] == "AppWarnings"


def test_aws_example_plan_drives_fleets_built_by_the_fixture(
    fleets: Fleets, clock: SimulatedClock, session: boto3.Session
) -> None:
    plan = load_plan("aws-example")
    provider = build_provider(
        "aws", plan.provider.settings(), old=plan.fleets.old, new=plan.fleets.new, clock=clock
    )
    end = datetime.now(UTC)
    try:
        assert {f.lifecycle for f in provider.list_hosts()} == {Lifecycle.IN_SERVICE}
        provider.scale_new_fleet(plan.fleets.target_size)
        assert len([f for f in provider.list_hosts() if f.fleet == "new"]) == plan.fleets.target_size
        with pytest.raises(SignalsUnreadableError, match="workers-errors"):
            provider.read_signals(end - timedelta(minutes=5), end)
        client("cloudwatch").put_metric_alarm(
            AlarmName="workers-errors",
            Namespace="Workers",
            MetricName="Errors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
        assert provider.read_signals(end - timedelta(minutes=5), end).warnings == 0
    finally:
        provider.close()
