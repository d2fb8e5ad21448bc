from __future__ import annotations

from pathlib import Path

import pytest

from rollout_tui.engine.plan import builtin_plans, load_plan, parse_plan
from rollout_tui.errors import BadInputError

GOOD = """
name = "t"
[provider]
kind = "sim"
[fleets]
old = "blue"
new = "green"
target_size = 10
[drain]
max_in_flight = "10%"
min_healthy = 8
"""


def test_a_good_plan_parses_with_shares_resolved() -> None:
    plan = parse_plan(GOOD, "p.toml")
    assert plan.drain.max_in_flight.of(200) == 20
    assert plan.drain.min_healthy.of(10) == 8
    assert plan.gate.enabled
    assert plan.as_data()["fleets"]["target_size"] == 10


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("target_size = 10", "target_size = -3"),
            r"fleets\.target_size \(line 8\): Input should be greater",
        ),
        (("target_size = 10", 'target_size = "ten"'), r"fleets\.target_size \(line 8\)"),
        (('max_in_flight = "10%"', 'max_in_flight = "120%"'), r"drain\.max_in_flight \(line 10\)"),
        (('max_in_flight = "10%"', "max_in_flight = -1"), r"drain\.max_in_flight.*must not be negative"),
        (("[drain]", "[drain]\nbogus = 1"), r"drain\.bogus \(line 10\): Extra inputs are not permitted"),
        (('kind = "sim"', 'kind = "gcp"'), r"provider\.kind \(line 4\)"),
        (('new = "green"', 'new = "blue"'), r"fleets.*old and new fleets must differ"),
        (('name = "t"', ""), r"name: Field required"),
        (("[fleets]", "[fleets"), r"invalid TOML"),
    ],
)
def test_a_bad_plan_names_the_field_and_line(change: tuple[str, str], message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        parse_plan(GOOD.replace(*change), "p.toml")


def test_builtin_plans_load_by_name() -> None:
    assert {"outage-guarded", "outage-unguarded", "calm"} <= set(builtin_plans())
    for name in builtin_plans():
        assert load_plan(name).name


def test_an_unknown_plan_name_lists_the_builtin_ones() -> None:
    with pytest.raises(BadInputError, match=r"built-in: .*outage-guarded"):
        load_plan("no-such-plan")


def test_a_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.toml"
    path.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(BadInputError, match="not a UTF-8 text file"):
        load_plan(str(path))


def test_profile_and_region_from_the_command_line_override_an_aws_plan() -> None:
    from rollout_tui.engine.plan import with_aws_overrides

    plan = with_aws_overrides(load_plan("aws-example"), profile="ops", region="eu-west-1")
    settings = plan.provider.settings()
    assert (settings["profile"], settings["region"]) == ("ops", "eu-west-1")
    assert settings["warning_metric"] == load_plan("aws-example").provider.settings()["warning_metric"]
    with pytest.raises(BadInputError, match="apply to AWS plans"):
        with_aws_overrides(load_plan("calm"), profile="ops", region=None)
