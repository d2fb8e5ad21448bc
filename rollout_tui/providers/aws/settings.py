"""The `[provider.aws]` table of a plan, validated: every field is documented in `plans/aws-example.toml`."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from rollout_tui.errors import BadInputError
from rollout_tui.providers.settings import PlanTable

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_TARGET_GROUP_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[\w-]+/\w+$"
)
_ENDPOINT = re.compile(r"^https?://[^/@\s]+(/\S*)?$")

Name = Annotated[str, Field(min_length=1, max_length=255)]


class _Table(PlanTable):
    """A table of `[provider.aws]`."""


class Dimension(_Table):
    """One CloudWatch metric dimension."""

    name: Name
    """Dimension name, e.g. `AutoScalingGroupName`."""
    value: Annotated[str, Field(min_length=1, max_length=1024)]
    """Dimension value."""


class MetricSpec(_Table):
    """A CloudWatch metric: namespace, name, exact dimensions and period."""

    namespace: Name
    """CloudWatch namespace, e.g. `MyApp`."""
    name: Name
    """Metric name."""
    dimensions: Annotated[list[Dimension], Field(max_length=30, default_factory=list)]
    """Exact dimensions of the metric (CloudWatch matches all of them, none more)."""
    period_seconds: int = 60
    """Aggregation period: 1, 5, 10, 30 or a multiple of 60."""

    @field_validator("period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in (1, 5, 10, 30) and (value <= 0 or value % 60):
            raise ValueError("must be 1, 5, 10, 30 or a multiple of 60")
        return value

    def metric(self) -> dict[str, Any]:
        """The `Metric` structure of a CloudWatch `MetricStat`."""
        return {
            "Namespace": self.namespace,
            "MetricName": self.name,
            "Dimensions": [{"Name": d.name, "Value": d.value} for d in self.dimensions],
        }


class WarningMetric(MetricSpec):
    """The app-warning count: summed over the gate's window into `Signals.warnings`."""

    statistic: Literal["Sum", "SampleCount"] = "Sum"
    """`Sum` when each data point carries a count; `SampleCount` when each warning is one data point."""


class GaugeMetric(MetricSpec):
    """A gauge (e.g. healthy apps on a fleet): the latest data point in the window is read."""

    statistic: Literal["Average", "Minimum", "Maximum", "Sum", "SampleCount"] = "Average"
    """How each period's data points are combined."""


class AppHealth(_Table):
    """App health of one fleet: how many apps are healthy and how many are broken."""

    healthy: GaugeMetric
    """Healthy apps on the fleet (adds to `Signals.apps_healthy`)."""
    unhealthy: GaugeMetric
    """Broken apps on the fleet (adds to `Signals.apps_corrupted`)."""


class AppHealthByFleet(_Table):
    """App-health metrics per fleet; a fleet without them contributes nothing."""

    old: AppHealth | None = None
    """The old fleet's app-health metrics."""
    new: AppHealth | None = None
    """The new fleet's app-health metrics."""


class AwsSettings(_Table):
    """`[provider.aws]`."""

    region: str | None = None
    """AWS region; unset: the standard chain (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile)."""
    profile: Name | None = None
    """Named profile from the shared config files; unset: the standard credential chain."""
    endpoint_url: str | None = None
    """Endpoint for all three services (a moto server, a VPC endpoint); unset: `AWS_ENDPOINT_URL` or AWS."""
    target_group_arns: Annotated[list[str], Field(min_length=1, max_length=50)] | None = None
    """Target groups both fleets serve behind; unset: each group's own `TargetGroupARNs`."""
    warning_metric: WarningMetric | None = None
    """The gate's warning count; unset: signals are unreadable (the gate fails closed)."""
    app_health: AppHealthByFleet | None = None
    """Optional app-health gauges per fleet."""
    alarm_names: Annotated[list[Name], Field(max_length=100, default_factory=list)]
    """Alarms (metric or composite) whose ALARM state blocks draining; a missing one is unreadable."""
    deregistration_timeout_seconds: Annotated[int, Field(ge=1, le=3600)] | None = None
    """A target still `draining` this long after `drain()` is reported drained, with an incident."""
    max_attempts: Annotated[int, Field(ge=0, le=20)] = 5
    """Retries per API call after the first attempt (botocore's `retries.max_attempts`)."""
    retry_mode: Literal["adaptive", "standard"] = "adaptive"
    """botocore retry mode: `adaptive` also rate-limits the client after throttling."""
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10
    """TCP connect timeout per attempt."""
    read_timeout_seconds: Annotated[float, Field(gt=0, le=900)] = 30
    """Read timeout per attempt."""

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and not _REGION.match(value):
            raise ValueError(f"{value!r} is not a region name like us-east-1")
        return value

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not _ENDPOINT.match(value):
            raise ValueError("must be an http(s) URL without user info, e.g. http://127.0.0.1:5000")
        return value

    @field_validator("target_group_arns")
    @classmethod
    def _arns(cls, value: list[str] | None) -> list[str] | None:
        for arn in value or []:
            if not _TARGET_GROUP_ARN.match(arn):
                raise ValueError(f"{arn!r} is not a target group ARN")
        if value is not None and len(set(value)) != len(value):
            raise ValueError("lists a target group twice")
        return value


def parse_settings(settings: dict[str, Any]) -> AwsSettings:
    """Validate the table; raise `BadInputError` naming the first bad field as `provider.aws.<field>`."""
    try:
        return AwsSettings.model_validate(settings)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in ("provider", "aws", *first["loc"]))
        message = " ".join(first["msg"].removeprefix("Value error, ").split())
        more = len(err.errors()) - 1
        suffix = f"; and {more} more problem(s)" if more else ""
        raise BadInputError(f"{where}: {message}{suffix}") from None
