"""The base of every settings model read from a plan: TOML's `true` is never taken for a number."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


class PlanTable(BaseModel):
    """A table of a plan: unknown keys refused, values frozen, booleans only where a boolean is wanted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic would read `true` as 1 for an int or float field; a plan saying that is a mistake."""
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and field.annotation is not bool:
            raise ValueError(f"expected a number, not {str(value).lower()}")
        return value
