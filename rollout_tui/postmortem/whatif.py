"""What another plan would have done: re-run its gate and budget over the signals a rollout recorded.

Nothing is asked of a provider: the readings (`SignalsObserved`), the baseline and the fleet state at each
drain step all come from the log. The recorded readings were measured over the recorded plan's window; a
plan with another window is judged on those same readings, and the report says so.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rollout_tui.domain.budget import FleetLoad, allowance
from rollout_tui.domain.events import Event, EventType
from rollout_tui.domain.gate import Reading, decide, evaluate
from rollout_tui.domain.host import Fleet, HostState
from rollout_tui.domain.projection import GateState, RolloutProjection
from rollout_tui.engine.engine import budget_policy, gate_policy
from rollout_tui.engine.plan import Plan
from rollout_tui.providers.base import parse_iso


@dataclass(frozen=True, slots=True)
class Divergence:
    """A drain step the other plan would not have taken as it was taken."""

    seq: int
    """The recorded step's first `DrainStarted`."""
    at: str
    """When the step was taken."""
    step: int
    """The recorded step number."""
    hosts: int
    """Hosts the recorded step drained."""
    would: str
    """`block` (gate closed), `hold` (gate held) or `refuse` (budget)."""
    allowed: int
    """Hosts the other plan would have drained then."""
    reason: str
    """Why, with the numbers."""
    numbers: dict[str, Any] = field(default_factory=dict)
    """The gate reading or budget behind it."""


@dataclass(slots=True)
class WhatIf:
    """The comparison."""

    plan: str
    """The plan re-evaluated."""
    recorded_plan: str
    """The plan the rollout ran with."""
    rollout_id: str
    """The rollout re-evaluated."""
    steps: int = 0
    """Drain steps recorded."""
    divergences: list[Divergence] = field(default_factory=list)
    """Every step the other plan would have blocked or cut short, in order."""
    gate_events: list[tuple[str, str, str]] = field(default_factory=list)
    """(time, event, reason) of the other plan's gate over the recording."""
    recorded_gate_events: int = 0
    """Gate events the recording itself has."""
    notes: list[str] = field(default_factory=list)
    """Caveats about the comparison."""


def what_if(plan: Plan, events: list[Event]) -> WhatIf:
    """Re-evaluate `plan`'s gate and budget over a recorded rollout's events."""
    fold = RolloutProjection()
    policy = gate_policy(plan)
    report = WhatIf(plan.name, "", events[0].rollout_id if events else "")
    state, streak, closed_since, last_numbers = GateState.OPEN, 0, None, {}
    recent: deque[tuple[datetime, int]] = deque()
    for event in events:
        d = event.data
        moment = parse_iso(event.at)
        if event.type == EventType.ROLLOUT_PLANNED:
            recorded = d["plan"]
            report.recorded_plan = recorded["name"]
            window = recorded.get("gate", {}).get("window_seconds")
            if window is not None and window != plan.gate.window_seconds:
                wanted = plan.gate.window_seconds
                report.notes.append(
                    f"readings were measured over the recorded {window:g}s window, not {wanted:g}s"
                )
        elif event.type in (EventType.GATE_BLOCKED, EventType.GATE_HELD, EventType.GATE_CLEARED):
            report.recorded_gate_events += 1
        elif event.type in (EventType.SIGNALS_OBSERVED, EventType.SIGNALS_UNREADABLE):
            if event.type == EventType.SIGNALS_OBSERVED:
                apps = d.get("apps") or {}
                reading = Reading(
                    float(d["warnings_per_minute"]),
                    apps.get("healthy"),
                    apps.get("corrupted"),
                    tuple(d.get("alarms", [])),
                    d.get("fingerprints", []),
                )
            else:
                reading = Reading(None, unreadable_reason=str(d.get("detail")))
            baseline = float((fold.baseline or {}).get("baseline_per_minute", 0.0))
            evaluation = evaluate(policy, baseline, reading)
            blocked_for = (moment - closed_since).total_seconds() if closed_since else 0.0
            decision = decide(
                policy,
                state,
                evaluation,
                good_streak=streak,
                blocked_for_seconds=blocked_for,
                suppressed=False,
            )
            streak = decision.good_streak
            if decision.event is not None:
                report.gate_events.append((event.at, decision.event, evaluation.reason))
                if decision.event == EventType.GATE_CLEARED:
                    state, closed_since = GateState.OPEN, None
                else:
                    state = GateState.HOLD if decision.event == EventType.GATE_HELD else GateState.BLOCKED
                    closed_since = closed_since or moment
                    last_numbers = {"reason": evaluation.reason, **evaluation.numbers}
        elif event.type == EventType.DRAIN_STARTED and d.get("first_of_step"):
            report.steps += 1
            while recent and moment - recent[0][0] >= timedelta(seconds=60):
                recent.popleft()
            divergence = _judge_step(plan, fold, event, state, last_numbers, recent)
            if divergence is not None:
                report.divergences.append(divergence)
        if event.type == EventType.DRAIN_STARTED:
            recent.append((moment, int(d.get("apps") or 0)))
        fold.apply(event)
    return report


def _judge_step(
    plan: Plan,
    fold: RolloutProjection,
    event: Event,
    state: GateState,
    gate_numbers: dict[str, Any],
    recent: deque[tuple[datetime, int]],
) -> Divergence | None:
    d = event.data
    hosts = int(d["batch_size"])
    if state is not GateState.OPEN:
        would = "hold" if state is GateState.HOLD else "block"
        return Divergence(
            event.seq, event.at, int(d["step"]), hosts, would, 0, str(gate_numbers["reason"]), gate_numbers
        )
    candidates = fold.hosts_in(Fleet.OLD, HostState.HEALTHY, HostState.UNHEALTHY)
    old_size = fold.fleet_size(Fleet.OLD)
    policy = budget_policy(plan, old_size)
    load = FleetLoad(
        draining=fold.counts[Fleet.OLD][HostState.DRAINING],
        started_last_minute=len(recent),
        apps_moved_last_minute=sum(a for _, a in recent),
        healthy=fold.counts[Fleet.OLD][HostState.HEALTHY] + fold.counts[Fleet.NEW][HostState.HEALTHY],
        candidate_apps=[h.apps for h in candidates],
    )
    grant = allowance(policy, load)
    if grant.allowed >= hosts:
        return None
    return Divergence(
        event.seq,
        event.at,
        int(d["step"]),
        hosts,
        "refuse",
        grant.allowed,
        f"budget limit {grant.limit} allows {grant.allowed} of the {hosts} host(s) drained",
        grant.as_data(policy),
    )


def to_text(report: WhatIf) -> str:
    """The comparison in words, first divergence first."""
    lines = [
        f"what if rollout {report.rollout_id} (plan {report.recorded_plan}) had run plan {report.plan}:",
        f"  recorded: {report.steps} drain step(s), {report.recorded_gate_events} gate event(s)",
    ]
    lines += [f"  note: {note}" for note in report.notes]
    if not report.divergences:
        lines.append(f"  no divergence: {report.plan} would have taken every drain step as recorded")
        return "\n".join(lines)
    first = report.divergences[0]
    lines += [
        f"  first divergence at seq {first.seq} ({first.at}), before drain step {first.step} of "
        f"{first.hosts} host(s):",
        f"    {report.plan} would {first.would} (allowing {first.allowed}): {first.reason}",
    ]
    fingerprints = first.numbers.get("fingerprints") or []
    for text, count in fingerprints[:3]:
        lines.append(f"    {count:,} x {text}")
    block = next((d for d in report.divergences if d.would != "refuse"), None)
    if block is not None and block is not first:
        lines.append(
            f"  first gate block at seq {block.seq} ({block.at}), before drain step {block.step} of "
            f"{block.hosts} host(s): {block.reason}"
        )
    blocked = sum(1 for d in report.divergences if d.would != "refuse")
    refused = len(report.divergences) - blocked
    lines.append(
        f"  in all: {blocked} step(s) blocked by the gate, {refused} cut short by the budget, "
        f"{len(report.gate_events)} gate event(s) under {report.plan}"
    )
    for at, kind, reason in report.gate_events[:10]:
        lines.append(f"    {at[11:19]} {kind}: {reason}")
    return "\n".join(lines)
