"""The simulator's settings: a plan's `[provider.sim]` table over the defaults of its named scenario."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from rollout_tui.errors import BadInputError
from rollout_tui.providers.settings import PlanTable
from rollout_tui.providers.sim.scenarios import SCENARIOS

Rate = Annotated[float, Field(ge=0, le=1)]
PerMinute = Annotated[float, Field(ge=0, le=1_000_000)]
Duration = Annotated[float, Field(ge=0, le=7 * 24 * 3600)]


class SimSettings(PlanTable):
    """Everything the simulator needs; a scenario supplies defaults, explicit settings override them."""

    scenario: Literal["outage", "calm"] = "outage"
    """The named scenario whose defaults apply."""
    seed: Annotated[int, Field(ge=0)]
    """Seed of the one random generator: same seed and calls, same facts."""
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    """Where a simulated clock for this provider should start (ISO 8601; event times count from it)."""
    old_size: Annotated[int, Field(ge=1, le=1_000_000)]
    """Hosts in the old fleet at the start."""
    apps_per_host: Annotated[int, Field(ge=0, le=10_000)]
    """User apps on each old host at the start (new hosts boot empty)."""
    boot_delay_seconds: Annotated[float, Field(gt=0, le=24 * 3600)]
    """Mean time from launch to in service."""
    boot_delay_spread_seconds: Duration
    """Standard deviation of the boot delay."""
    boot_failure_rate: Rate
    """Share of boots whose health checks never pass."""
    drain_seconds: Annotated[float, Field(gt=0, le=24 * 3600)]
    """Mean time to move all of a draining host's apps elsewhere."""
    drain_spread_seconds: Duration
    """Standard deviation of the drain time."""
    alloc_capacity_per_minute: Annotated[float, Field(gt=0, le=1_000_000)]
    """App starts a host can allocate node_modules for per minute without risk."""
    corruption_slope: Annotated[float, Field(ge=0, le=1000)]
    """Chance of a corrupted start per unit of load beyond capacity: p = slope * (starts/capacity - 1)."""
    corruption_max: Rate
    """The chance of a corrupted start never exceeds this."""
    corrupted_warnings_per_minute: PerMinute
    """Warnings each corrupted app keeps emitting (corrupted apps stay corrupted for the run)."""
    baseline_warnings_per_minute: PerMinute
    """Background warning noise of the whole fleet."""
    disk_flapping: bool
    """Whether the disk-usage monitor flaps (alerts, never warnings)."""
    disk_flapping_hosts: Annotated[int, Field(ge=0, le=10_000)]
    """Hosts whose disk monitor flaps."""
    disk_flap_period_seconds: Annotated[float, Field(gt=0, le=24 * 3600)]
    """One firing-and-resolved cycle: firing for half of it, resolved for the other half."""
    disk_renotify_seconds: Annotated[float, Field(gt=0, le=24 * 3600)]
    """A firing monitor sends its alert again this often."""
    boot_api_limit_per_minute: Annotated[int, Field(ge=1, le=1_000_000)]
    """Launches the DNS API accepts per minute; more are deferred and reported as throttled."""
    unhealthy_rate_per_minute: Rate
    """Chance per minute that a host loaded beyond capacity fails its health checks."""
    unhealthy_recovery_seconds: Annotated[float, Field(gt=0, le=24 * 3600)]
    """Mean time an unhealthy host takes to pass its health checks again."""
    step_seconds: Annotated[float, Field(ge=1, le=600)] = 10.0
    """Simulated time per internal step."""
    warmup_seconds: Annotated[float, Field(ge=0, le=24 * 3600)] = 900.0
    """History simulated before the provider is built, so a baseline can be read at once."""
    history_seconds: Annotated[float, Field(ge=60, le=7 * 24 * 3600)] = 6 * 3600.0
    """Signal history kept for `read_signals`; older windows are clipped."""
    terminated_visible_seconds: Duration = 300.0
    """Terminated hosts stay listed (as terminated) this long, then vanish."""
    max_messages_per_step: Annotated[int, Field(ge=1, le=100_000)] = 40
    """Distinct raw warning messages kept per step; counts beyond it are spread over those kept."""

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-01-01T00:00:00Z")
        return value.astimezone(UTC)


def parse_settings(raw: dict[str, Any]) -> SimSettings:
    """Validate a `[provider.sim]` table; errors are one line naming `provider.sim.<field>`."""
    if not isinstance(raw, dict):
        raise BadInputError("provider.sim: must be a table")
    name = raw.get("scenario", "outage")
    if name not in SCENARIOS:
        known = ", ".join(sorted(SCENARIOS))
        raise BadInputError(f"provider.sim.scenario: unknown scenario {name!r} (known: {known})")
    try:
        return SimSettings.model_validate({**SCENARIOS[name], **raw})
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        where = f"provider.sim.{field}" if field else "provider.sim"
        message = first["msg"].removeprefix("Value error, ")
        more = len(err.errors()) - 1
        suffix = f"; and {more} more problem(s)" if more else ""
        raise BadInputError(f"{where}: {message}{suffix}") from err
