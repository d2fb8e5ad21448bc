"""Malformed and hostile plan files: one line naming the problem, exit 2, no traceback, the log untouched.

Each strategy in `plans.py` injects a real defect into a valid plan, so no generated plan can start a
rollout. They run in-process through `cli.main` for speed; a few samples run as real subprocesses too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from rollout_tui.engine.plan import parse_plan
from tests.reliability.harness import (
    Outcome,
    assert_one_line_error,
    call_main,
    file_state,
    run_cli,
)
from tests.reliability.plans import BASE, DEFECTS, BadPlan, to_toml

EXAMPLES_PER_DEFECT = 100
"""11 kinds of defect x 100: 1,100 plans per run (`derandomize`: the same ones every run)."""


def test_the_base_plan_the_strategies_break_is_valid() -> None:
    plan = parse_plan(to_toml(BASE), "base")
    assert plan.fleets.target_size == 2


@pytest.fixture(scope="module")
def existing_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log holding a finished calm rollout."""
    folder = tmp_path_factory.mktemp("existing")
    db = folder / "rollout.db"
    outcome = call_main("run", "calm", "--headless", "--db", str(db))
    assert outcome.code == 0, outcome.stderr
    return db


def check_refused(outcome: Outcome, bad: BadPlan) -> None:
    line = assert_one_line_error(outcome, 2)
    lowered = line.lower()
    assert any(name.lower() in lowered for name in bad.names), (
        f"{bad.defect}: {line[:500]} names none of {bad.names}"
    )


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_a_malformed_plan_is_refused_with_one_line_naming_the_problem_and_the_log_untouched(
    defect: str, existing_log: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp(f"plans-{defect}")
    db = folder / "rollout.db"
    shutil.copyfile(existing_log, db)
    before = file_state(db)
    plan_path = folder / "plan.toml"
    tried = []

    @settings(
        max_examples=EXAMPLES_PER_DEFECT,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(bad=DEFECTS[defect])
    def refused(bad: BadPlan) -> None:
        tried.append(bad.defect)
        plan_path.write_bytes(bad.content)
        outcome = call_main("run", str(plan_path), "--headless", "--db", str(db))
        check_refused(outcome, bad)
        assert file_state(db) == before, f"{bad.defect}: the log changed"

    refused()
    # (numeric field, true/false) has only ~44 members, which hypothesis exhausts; the other ten kinds give
    # 100 each, so a run still tries more than 1,000 plans.
    assert len(tried) >= (40 if defect == "booleans_for_numbers" else EXAMPLES_PER_DEFECT)


SAMPLES = ["wrong_types", "missing", "invalid_toml", "binary_junk", "deep_nesting"]


@pytest.mark.parametrize("defect", SAMPLES)
def test_a_malformed_plan_run_as_a_subprocess_exits_2_with_one_line(
    defect: str, existing_log: Path, tmp_path: Path
) -> None:
    db = tmp_path / "rollout.db"
    shutil.copyfile(existing_log, db)
    before = file_state(db)
    bad = _first_example(defect)
    plan_path = tmp_path / "plan.toml"
    plan_path.write_bytes(bad.content)
    outcome = run_cli("run", str(plan_path), "--headless", "--db", str(db), cwd=tmp_path)
    check_refused(outcome, bad)
    assert file_state(db) == before


def _first_example(defect: str) -> BadPlan:
    """A deterministic sample of one strategy (the largest of its first examples, to be hostile)."""
    found: list[BadPlan] = []

    @settings(max_examples=20, derandomize=True, database=None, deadline=None, phases=(Phase.generate,))
    @given(bad=DEFECTS[defect])
    def collect(bad: BadPlan) -> None:
        found.append(bad)

    collect()
    return max(found, key=lambda bad: len(bad.content))
