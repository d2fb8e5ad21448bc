"""Plans: TOML files (or built-in names) that say what to roll out, how fast, and when to stop.

Validation names the bad field and, where it can, its line, and raises `BadInputError` (exit 2).
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from rollout_tui.errors import BadInputError
from rollout_tui.providers.settings import PlanTable

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class Share(BaseModel):
    """A count of hosts, or a percentage of a fleet: `5` or `"10%"`."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    count: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    """An absolute number of hosts."""
    percent: Annotated[float, Field(ge=0, le=100)] | None = None
    """A percentage of the reference fleet size."""

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError('expected a count like 5 or a percentage like "10%"')
        if isinstance(value, int):
            if value < 0:
                raise ValueError("must not be negative")
            return {"count": value}
        if isinstance(value, str):
            match = _PERCENT.match(value)
            if not match or float(match.group(1)) > 100:
                raise ValueError(f"{value!r} is not a count or a percentage between 0% and 100%")
            return {"percent": float(match.group(1))}
        if isinstance(value, dict):
            if sum(value.get(k) is not None for k in ("count", "percent")) != 1:
                raise ValueError("give exactly one of count or percent")
            return value
        raise ValueError('expected a count like 5 or a percentage like "10%"')

    def of(self, total: int) -> int:
        """The number of hosts this share means for a fleet of `total`."""
        if self.count is not None:
            return self.count
        return int((self.percent or 0.0) * total / 100.0)

    def __str__(self) -> str:
        return str(self.count) if self.count is not None else f"{self.percent:g}%"


class _Section(PlanTable):
    """A table of the plan (see `PlanTable`)."""


PositiveInt = Annotated[int, Field(ge=1, le=1_000_000)]
Seconds = Annotated[float, Field(gt=0, le=7 * 24 * 3600)]


class ProviderSection(_Section):
    """`[provider]`: which provider, and its own settings under `[provider.<kind>]`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: Literal["sim", "aws"]
    """The provider."""

    def settings(self) -> dict[str, Any]:
        """The `[provider.<kind>]` table (validated by the provider itself)."""
        extra = self.model_extra or {}
        unknown = sorted(set(extra) - {self.kind})
        if unknown:
            raise ValueError(f"unknown key(s) {unknown} (only [provider.{self.kind}] belongs here)")
        table = extra.get(self.kind, {})
        if not isinstance(table, dict):
            raise ValueError(f"provider.{self.kind} must be a table")
        return table


class FleetsSection(_Section):
    """`[fleets]`: the two fleets by their provider names, and how big the new one must be."""

    old: Annotated[str, Field(min_length=1, max_length=255)]
    """Provider name of the fleet to replace (an Auto Scaling group on AWS)."""
    new: Annotated[str, Field(min_length=1, max_length=255)]
    """Provider name of the fleet replacing it."""
    target_size: PositiveInt
    """Healthy hosts the new fleet must reach."""

    @model_validator(mode="after")
    def _distinct(self) -> FleetsSection:
        if self.old == self.new:
            raise ValueError("old and new fleets must differ")
        return self


class BootSection(_Section):
    """`[boot]`: how the new fleet comes up."""

    batch: PositiveInt = 10
    """Hosts asked for per boot step."""
    per_minute: PositiveInt = 20
    """At most this many boots per minute, so a burst cannot trip API rate limits."""
    health_timeout_seconds: Seconds = 900
    """A host not healthy this long after booting has failed."""
    on_failure: Literal["replace", "report"] = "replace"
    """Replace a failed host with a new boot, or only report it."""
    max_replacements: Annotated[int, Field(ge=0, le=100_000)] = 10
    """Replacements allowed before failures only get reported."""


class DrainSection(_Section):
    """`[drain]`: the drain budget. The tightest limit wins and is named in the event."""

    max_in_flight: Share = Share(count=5)
    """Hosts draining at once: a count or a percentage of the old fleet."""
    per_minute: PositiveInt = 5
    """Drains started per minute."""
    min_healthy: Share = Share(percent=100.0)
    """Healthy hosts (both fleets) never to go below: a count or a percentage of the target size."""
    surge_per_host_per_minute: Annotated[float, Field(gt=0, le=1_000_000)] | None = None
    """App starts each remaining healthy host may absorb per minute; unset: no limit."""
    timeout_seconds: Seconds = 900
    """A drain not finished in this time is reported and the host terminated anyway."""

    @field_validator("max_in_flight", "min_healthy", mode="before")
    @classmethod
    def _share(cls, value: Any) -> Any:
        return Share.model_validate(value)


class GateSection(_Section):
    """`[gate]`: stop draining when warnings spike or apps go unhealthy."""

    enabled: bool = True
    """False checks capacity only (what the outage did)."""
    window_seconds: Seconds = 300
    """The short window the warning rate is measured over."""
    baseline_seconds: Seconds = 600
    """The window before draining that the baseline is measured over."""
    floor_per_minute: Annotated[float, Field(ge=0)] = 10.0
    """Never block below this many warnings per minute."""
    multiple: Annotated[float, Field(ge=1)] = 3.0
    """Block when the rate exceeds this multiple of the baseline (and the floor)."""
    min_healthy_app_ratio: Annotated[float, Field(ge=0, le=1)] | None = 0.99
    """Hold for an operator when fewer apps than this are healthy; unset: ignore app health."""
    clear_after: Annotated[int, Field(ge=1, le=1000)] = 3
    """Consecutive good evaluations before a block clears."""
    on_unreadable: Literal["block", "pass", "hold"] = "block"
    """What unreadable signals mean: fail closed (block) unless this says otherwise."""
    hold_after_seconds: Seconds | None = 1800
    """A block lasting longer than this becomes a hold that needs `approve`."""
    override_seconds: Seconds = 600
    """After an operator overrides a block, blocks are suppressed this long."""


class EngineSection(_Section):
    """`[engine]`: the loop itself."""

    tick_seconds: Seconds = 30
    """Event time between ticks (observe, decide, act)."""
    mode: Literal["auto", "manual"] = "auto"
    """manual: each drain step waits for `step` from an operator."""
    lease_seconds: Annotated[float, Field(ge=1, le=3600)] = 30
    """Wall-clock lifetime of the engine lease; renewed each tick."""
    max_provider_failures: Annotated[int, Field(ge=1, le=1000)] = 5
    """Consecutive failed ticks before giving up with exit 4."""
    max_duration_seconds: Seconds = 24 * 3600
    """Event time after which a rollout that has not finished is aborted."""


class Plan(_Section):
    """A whole plan."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    """What the rollout is called."""
    description: str = ""
    """One paragraph for humans."""
    provider: ProviderSection
    fleets: FleetsSection
    boot: BootSection = BootSection()
    drain: DrainSection = DrainSection()
    gate: GateSection = GateSection()
    engine: EngineSection = EngineSection()

    @model_validator(mode="after")
    def _provider_settings(self) -> Plan:
        self.provider.settings()
        return self

    def as_data(self) -> dict[str, Any]:
        """The plan as plain JSON values, as recorded in `RolloutPlanned`."""
        return self.model_dump(mode="json")


def with_aws_overrides(plan: Plan, *, profile: str | None, region: str | None) -> Plan:
    """The plan with `--profile` / `--region` from the command line put into `[provider.aws]`."""
    if profile is None and region is None:
        return plan
    if plan.provider.kind != "aws":
        raise BadInputError(
            f"--profile and --region apply to AWS plans; {plan.name} uses {plan.provider.kind}"
        )
    settings = dict(plan.provider.settings())
    settings.update({k: v for k, v in (("profile", profile), ("region", region)) if v is not None})
    provider = ProviderSection.model_validate({"kind": "aws", "aws": settings})
    return plan.model_copy(update={"provider": provider})


def builtin_plans() -> list[str]:
    """Names of the plans shipped with rollout_tui."""
    folder = resources.files("rollout_tui") / "plans"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line of a validation error's location in the TOML text."""
    keys = [str(part) for part in loc if isinstance(part, str)]
    if not keys:
        return None
    section, key = ".".join(keys[:-1]), keys[-1]
    in_section = section == ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped.strip("[] ") == section
            if in_section and not key:
                return number
            continue
        if in_section and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return None


def parse_plan(text: str, source: str) -> Plan:
    """Validate TOML text; `source` names it in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BadInputError(f"{source}: invalid TOML: {err}") from err
    except RecursionError as err:
        raise BadInputError(f"{source}: invalid TOML: nested too deeply") from err
    try:
        return Plan.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc if not str(p).startswith("function-")) or "(top level)"
        line = _line_of(text, loc)
        where = f" (line {line})" if line else ""
        message = first["msg"].removeprefix("Value error, ")
        more = len(err.errors()) - 1
        suffix = f"; and {more} more problem(s)" if more else ""
        raise BadInputError(f"{source}: {field}{where}: {message}{suffix}") from err


def load_plan(name_or_path: str) -> Plan:
    """A plan from a TOML path, or a built-in plan by name."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists() or "/" in name_or_path:
        try:
            data = path.read_bytes()
        except OSError as err:
            raise BadInputError(f"cannot read plan {name_or_path}: {err.strerror or err}") from err
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise BadInputError(f"{name_or_path}: not a UTF-8 text file") from err
        return parse_plan(text, name_or_path)
    if name_or_path not in builtin_plans():
        known = ", ".join(builtin_plans())
        raise BadInputError(f"no plan file or built-in plan named {name_or_path!r} (built-in: {known})")
    text = (resources.files("rollout_tui") / "plans" / f"{name_or_path}.toml").read_text("utf-8")
    return parse_plan(text, f"built-in plan {name_or_path}")
