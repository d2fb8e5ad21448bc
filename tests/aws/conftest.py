"""Fixtures for the AWS provider tests: fake credentials, moto in-process, two fleets, a provider."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from moto import mock_aws

from rollout_tui.providers.aws import AwsProvider, build
from rollout_tui.providers.base import SimulatedClock
from tests.aws.fixtures import Fleets, create_fleets

REGION = "us-east-1"
SECRET = "fake-secret-key-never-shown"
"""The fake secret access key: no output may contain it."""
WARNINGS = {"namespace": "Workers", "name": "AppWarnings", "dimensions": [{"name": "Fleet", "value": "all"}]}
"""The warning metric the tests publish to."""


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials, us-east-1, no shared config, no instance metadata, and retries without backoff."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKEFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    # botocore's standard retries sleep rand() * 2**attempt seconds between attempts: none in tests.
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0.0)


@pytest.fixture
def mocked() -> Iterator[None]:
    """moto in-process for every boto3 client created meanwhile."""
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def session() -> boto3.Session:
    """One boto3 session for the whole run: service models load once (client creation dominates run time).

    Its credentials resolve lazily, from the fake environment of each test.
    """
    return boto3.Session(region_name=REGION)


_CLIENTS: dict[str, Any] = {}


def client(service: str) -> Any:
    """A plain boto3 client for setting up and checking what the provider did (moto answers it)."""
    if service not in _CLIENTS:
        _CLIENTS[service] = boto3.Session(region_name=REGION).client(service)
    return _CLIENTS[service]


@pytest.fixture
def fleets(mocked: None) -> Fleets:
    """Old group with 3 instances, empty new group, one target group attached to both."""
    return create_fleets(clients=client, old_size=3)


@pytest.fixture
def clock() -> SimulatedClock:
    """Provider time (incidents, drain deadlines)."""
    return SimulatedClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))


def aws_settings(**overrides: Any) -> dict[str, Any]:
    """A `[provider.aws]` table for tests: standard retries (no adaptive rate limiting), 2 retries."""
    return {
        "region": REGION,
        "retry_mode": "standard",
        "max_attempts": 2,
        "warning_metric": dict(WARNINGS),
        **overrides,
    }


@pytest.fixture
def make_provider(
    fleets: Fleets, clock: SimulatedClock, session: boto3.Session
) -> Iterator[Callable[..., AwsProvider]]:
    """Build providers on the fleets with `aws_settings(**overrides)`; closes them afterwards."""
    built: list[AwsProvider] = []

    def make(**overrides: Any) -> AwsProvider:
        settings = aws_settings(**overrides)
        provider = build(settings, old=fleets.old, new=fleets.new, clock=clock, session=session)
        built.append(provider)
        return provider

    yield make
    for provider in built:
        provider.close()


@pytest.fixture
def provider(make_provider: Callable[..., AwsProvider]) -> AwsProvider:
    """A provider with the default test settings."""
    return make_provider()


def calls_made(provider: AwsProvider) -> list[str]:
    """Operation names of every API call the provider makes from now on (a `before-call` hook)."""
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    for api in provider.caller.clients.values():
        api.meta.events.register("before-call", record)
    return made
