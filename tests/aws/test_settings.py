"""Settings validation and client configuration of the AWS provider."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rollout_tui.errors import BadInputError
from rollout_tui.providers import build_provider
from rollout_tui.providers.aws import AwsProvider, build
from rollout_tui.providers.base import Provider, SimulatedClock
from tests.aws.conftest import SECRET, aws_settings


def _build(settings: dict[str, Any], clock: SimulatedClock) -> AwsProvider:
    return build(settings, old="workers-old", new="workers-new", clock=clock)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"colour": "blue"}, "provider.aws.colour: Extra inputs are not permitted"),
        ({"region": "Mars"}, "provider.aws.region: 'Mars' is not a region name"),
        ({"max_attempts": 99}, "provider.aws.max_attempts: Input should be less than or equal to 20"),
        ({"retry_mode": "legacy"}, "provider.aws.retry_mode: Input should be 'adaptive' or 'standard'"),
        ({"target_group_arns": ["tg-1"]}, "provider.aws.target_group_arns: 'tg-1' is not a target group ARN"),
        ({"target_group_arns": []}, "provider.aws.target_group_arns: List should have at least 1 item"),
        ({"endpoint_url": "ftp://x"}, "provider.aws.endpoint_url: must be an http(s) URL"),
        (
            {"warning_metric": {"namespace": "N", "name": "W", "period_seconds": 90}},
            "provider.aws.warning_metric.period_seconds: must be 1, 5, 10, 30 or a multiple of 60",
        ),
        (
            {"warning_metric": {"namespace": "N", "name": "W", "dimensions": [{"name": "Fleet"}]}},
            "provider.aws.warning_metric.dimensions.0.value: Field required",
        ),
        (
            {"warning_metric": {"namespace": "N", "name": "W", "statistic": "Average"}},
            "provider.aws.warning_metric.statistic: Input should be 'Sum' or 'SampleCount'",
        ),
        (
            {"app_health": {"old": {"healthy": {"namespace": "N", "name": "H"}}}},
            "provider.aws.app_health.old.unhealthy: Field required",
        ),
        (
            {"deregistration_timeout_seconds": 0},
            "provider.aws.deregistration_timeout_seconds: Input should be",
        ),
    ],
)
def test_invalid_settings_raise_one_line_bad_input_naming_the_field(
    settings: dict[str, Any], message: str, clock: SimulatedClock
) -> None:
    with pytest.raises(BadInputError) as caught:
        _build(aws_settings(**settings), clock)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_endpoint_with_user_info_is_refused_without_echoing_it(clock: SimulatedClock) -> None:
    with pytest.raises(BadInputError) as caught:
        _build(aws_settings(endpoint_url=f"http://key:{SECRET}@127.0.0.1:5000"), clock)
    assert "provider.aws.endpoint_url" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_unknown_profile_is_bad_input_naming_profile(clock: SimulatedClock) -> None:
    with pytest.raises(BadInputError, match=r"^provider.aws.profile: profile 'nobody' not found$"):
        _build(aws_settings(profile="nobody"), clock)


def test_missing_region_is_bad_input_naming_region(
    clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    settings = aws_settings()
    del settings["region"]
    with pytest.raises(BadInputError, match=r"^provider.aws.region: no region set"):
        _build(settings, clock)


def test_region_comes_from_the_standard_chain_when_unset(clock: SimulatedClock) -> None:
    settings = aws_settings()
    del settings["region"]
    provider = _build(settings, clock)
    assert provider.region == "us-east-1"
    provider.close()


def test_clients_use_configured_retries_timeouts_and_adaptive_mode_by_default(clock: SimulatedClock) -> None:
    provider = _build({"region": "eu-west-1", "max_attempts": 7, "read_timeout_seconds": 12}, clock)
    for api in provider.caller.clients.values():
        assert api.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 8}
        assert api.meta.config.read_timeout == 12
        assert api.meta.region_name == "eu-west-1"
    provider.close()


def test_endpoint_url_setting_applies_to_every_client(clock: SimulatedClock) -> None:
    provider = _build(aws_settings(endpoint_url="http://127.0.0.1:5999"), clock)
    assert {api.meta.endpoint_url for api in provider.caller.clients.values()} == {"http://127.0.0.1:5999"}
    provider.close()


def test_aws_endpoint_url_environment_variable_is_honoured(
    clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5998")
    provider = _build(aws_settings(), clock)
    assert {api.meta.endpoint_url for api in provider.caller.clients.values()} == {"http://127.0.0.1:5998"}
    provider.close()


def test_factory_builds_a_provider_whose_description_holds_no_credentials(clock: SimulatedClock) -> None:
    provider = build_provider(
        "aws", aws_settings(alarm_names=["errors-high"]), old="workers-old", new="workers-new", clock=clock
    )
    assert isinstance(provider, Provider)
    assert provider.name == "aws"
    described = provider.describe()
    assert described["fleets"] == {"old": "workers-old", "new": "workers-new"}
    assert described["region"] == "us-east-1"
    text = json.dumps(described)
    assert SECRET not in text and "AKIAFAKE" not in text
    provider.close()
