"""`run --dry-run`: the batches and budget a plan would use, from a read-only look at the fleets."""

from __future__ import annotations

import math

from rollout_tui.domain.host import Fleet
from rollout_tui.engine.engine import budget_policy, gate_policy
from rollout_tui.engine.plan import Plan
from rollout_tui.engine.session import default_clock, plan_provider
from rollout_tui.providers.base import Lifecycle


def dry_run(plan: Plan) -> str:
    """A plain-text account of what `plan` would do; only reads the provider, writes nothing."""
    provider = plan_provider(plan, default_clock(plan))
    try:
        hosts = [h for h in provider.list_hosts() if h.lifecycle is not Lifecycle.TERMINATED]
    finally:
        provider.close()
    old = [h for h in hosts if h.fleet == Fleet.OLD]
    new = [h for h in hosts if h.fleet == Fleet.NEW]
    target = plan.fleets.target_size
    boot = plan.boot
    to_boot = max(0, target - len(new))
    budget = budget_policy(plan, len(old))
    gate = gate_policy(plan)
    apps = [h.apps for h in old if h.apps is not None]
    per_step = min(budget.max_in_flight, budget.per_minute)
    lines = [
        f"plan {plan.name}: provider {plan.provider.kind}, fleets {plan.fleets.old} -> {plan.fleets.new}",
        f"now: old fleet {len(old)} host(s), new fleet {len(new)} host(s)"
        + (f", {sum(apps)} apps on the old fleet" if apps else ""),
        f"boot: {to_boot} host(s) to reach {target}, {boot.batch} per step, at most {boot.per_minute}/min "
        f"({math.ceil(to_boot / boot.batch) if to_boot else 0} step(s)); health timeout "
        f"{boot.health_timeout_seconds:g}s, failures: {boot.on_failure}",
        f"drain budget: at most {budget.max_in_flight} draining at once ({plan.drain.max_in_flight}), "
        f"{budget.per_minute}/min, keep >= {budget.min_healthy} healthy ({plan.drain.min_healthy})"
        + (
            f", surge <= {budget.surge_per_host_per_minute:g} app starts/host/min"
            if budget.surge_per_host_per_minute
            else ", no surge limit"
        ),
        f"drain steps: about {math.ceil(len(old) / per_step) if old else 0} of up to {per_step} host(s), "
        f"timeout {plan.drain.timeout_seconds:g}s each",
    ]
    if gate.enabled:
        lines.append(
            f"gate: block above max({gate.floor_per_minute:g}/min, {gate.multiple:g}x baseline) over "
            f"{gate.window_seconds:g}s; clear after {gate.clear_after} good readings; unreadable -> "
            f"{gate.on_unreadable}"
            + (
                f"; hold below {gate.min_healthy_app_ratio:.1%} healthy apps"
                if gate.min_healthy_app_ratio
                else ""
            )
        )
    else:
        lines.append("gate: disabled (capacity only)")
    lines.append(f"engine: tick {plan.engine.tick_seconds:g}s, {plan.engine.mode} mode; nothing was changed")
    return "\n".join(lines)
