"""Where hosts and signals come from: the simulator and AWS, behind one Protocol (`base.Provider`)."""

from __future__ import annotations

from typing import Any

from rollout_tui.providers.base import Clock, Provider


def build_provider(kind: str, settings: dict[str, Any], *, old: str, new: str, clock: Clock) -> Provider:
    """The provider a plan names, built from its `[provider.<kind>]` settings.

    `old` and `new` are the fleets' provider names from the plan's `[fleets]`. Invalid settings raise
    `BadInputError` naming `provider.<kind>.<field>`. Providers are imported lazily so the simulator never
    loads boto3.
    """
    if kind == "sim":
        from rollout_tui.providers.sim import build
    elif kind == "aws":
        from rollout_tui.providers.aws import build
    else:
        raise ValueError(f"unknown provider kind {kind!r}")
    return build(settings, old=old, new=new, clock=clock)
