"""The `aws` provider: two Auto Scaling groups, ELBv2 target health and deregistration, CloudWatch signals.

Credentials come from the standard chain (environment, shared files, `profile`, instance roles) and are
never read, stored, logged or put into events by rollout_tui. The endpoint is `endpoint_url` from the plan,
else `AWS_ENDPOINT_URL` (honoured by boto3 itself), else AWS.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from rollout_tui.errors import BadInputError
from rollout_tui.providers.aws.provider import AwsProvider
from rollout_tui.providers.aws.settings import AwsSettings, parse_settings
from rollout_tui.providers.base import Clock

SERVICES = ("autoscaling", "elbv2", "cloudwatch")
"""The AWS services the provider talks to."""

__all__ = ["SERVICES", "AwsProvider", "AwsSettings", "build", "client_config"]


def client_config(settings: AwsSettings, region: str) -> Config:
    """botocore configuration: region, retries (mode and attempts) and timeouts."""
    return Config(
        region_name=region,
        retries={"mode": settings.retry_mode, "max_attempts": settings.max_attempts},
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        user_agent_extra="rollout-tui",
    )


def build(
    settings: dict[str, Any], *, old: str, new: str, clock: Clock, session: boto3.Session | None = None
) -> AwsProvider:
    """The provider for the `[provider.aws]` table and the fleets' group names; `BadInputError` if invalid.

    `session` reuses a boto3 session (its credentials and loaded service models) instead of opening one
    from `profile`; `region` still wins over the session's region.
    """
    parsed = parse_settings(settings)
    if session is None:
        try:
            session = boto3.Session(profile_name=parsed.profile, region_name=parsed.region)
        except ProfileNotFound:
            raise BadInputError(f"provider.aws.profile: profile {parsed.profile!r} not found") from None
    region = parsed.region or session.region_name
    if not region:
        raise BadInputError("provider.aws.region: no region set (plan, --region, AWS_REGION or the profile)")
    config = client_config(parsed, region)
    clients = {
        service: session.client(service, config=config, endpoint_url=parsed.endpoint_url)
        for service in SERVICES
    }
    return AwsProvider(parsed, old=old, new=new, clock=clock, clients=clients, region=region)
