from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollout_tui.errors import BadInputError
from rollout_tui.providers.sim import SCENARIOS, parse_settings, start_time


def test_scenario_supplies_defaults_and_explicit_settings_override_them() -> None:
    settings = parse_settings({"scenario": "outage", "old_size": 12, "seed": 3})
    assert settings.old_size == 12
    assert settings.seed == 3
    assert settings.apps_per_host == SCENARIOS["outage"]["apps_per_host"]
    assert settings.disk_flapping is True


def test_calm_scenario_has_no_flapping_and_room_to_spare() -> None:
    calm, outage = parse_settings({"scenario": "calm"}), parse_settings({})
    assert calm.disk_flapping is False
    assert calm.alloc_capacity_per_minute > outage.alloc_capacity_per_minute


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"old_sise": 3}, "provider.sim.old_sise"),
        ({"boot_failure_rate": 1.5}, "provider.sim.boot_failure_rate"),
        ({"old_size": "many"}, "provider.sim.old_size"),
        ({"scenario": "meltdown"}, "provider.sim.scenario"),
        ({"start": "yesterday"}, "provider.sim.start"),
        ({"start": "2026-01-01T00:00:00"}, "provider.sim.start"),
    ],
)
def test_bad_settings_raise_one_line_naming_the_field(raw: dict[str, object], field: str) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_settings(raw)
    message = str(caught.value)
    assert message.startswith(f"{field}:")
    assert "\n" not in message


def test_start_defaults_to_new_year_2026_and_parses_iso() -> None:
    assert start_time({}) == datetime(2026, 1, 1, tzinfo=UTC)
    assert start_time({"start": "2026-03-04T05:06:07Z"}) == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
