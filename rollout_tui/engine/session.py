"""Start a new rollout or resume one from the log: pick the clock, build the provider, make the engine."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rollout_tui.domain.events import Event, EventType
from rollout_tui.domain.rollout import FINAL_PHASES
from rollout_tui.engine.engine import Engine
from rollout_tui.engine.lease import Lease, default_holder
from rollout_tui.engine.plan import Plan
from rollout_tui.errors import BadInputError
from rollout_tui.providers import build_provider
from rollout_tui.providers.base import (
    Clock,
    Decision,
    Provider,
    Restorable,
    SimulatedClock,
    SystemClock,
    parse_iso,
)
from rollout_tui.store.log import EventLog
from rollout_tui.store.replay import replay

SIM_START = datetime(2026, 1, 1, tzinfo=UTC)
"""Where simulated time starts unless the plan's `[provider.sim] start` says otherwise."""


def default_clock(
    plan: Plan, *, speed: float = 0.0, resume_at: str | None = None, start_at: str | None = None
) -> Clock:
    """Simulated time for the simulator, wall time otherwise.

    Simulated time starts at the scenario's start; on resume, one tick after the last tick the log holds
    (`resume_at`: ticks are committed whole, so that is the tick the dead engine would have taken next), or
    at the rollout's start (`start_at`) when it died before its first tick.
    """
    if plan.provider.kind != "sim":
        return SystemClock()
    if resume_at is not None:
        return SimulatedClock(parse_iso(resume_at) + timedelta(seconds=plan.engine.tick_seconds), speed)
    if start_at is not None:
        return SimulatedClock(parse_iso(start_at), speed)
    start = plan.provider.settings().get("start")
    try:
        moment = parse_iso(str(start)) if start else SIM_START
    except ValueError as err:
        raise BadInputError(f"provider.sim.start: {start!r} is not an ISO 8601 time") from err
    return SimulatedClock(moment, speed)


def plan_provider(plan: Plan, clock: Clock) -> Provider:
    """The provider the plan names, built from its `[provider.<kind>]` settings."""
    settings = plan.provider.settings()
    return build_provider(plan.provider.kind, settings, old=plan.fleets.old, new=plan.fleets.new, clock=clock)


def new_rollout_id(plan: Plan, now: datetime) -> str:
    """`<plan>-<YYYYmmdd-HHMMSS>-<4 hex>`: sortable, readable, unique enough for one log."""
    return f"{plan.name}-{now.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def start_rollout(
    plan: Plan,
    log: EventLog,
    *,
    clock: Clock | None = None,
    provider: Provider | None = None,
    holder: str | None = None,
    rollout_id: str | None = None,
    speed: float = 0.0,
    on_event: Callable[[Event], None] | None = None,
) -> Engine:
    """An engine for a new rollout of `plan` (nothing is written until it runs)."""
    clock = clock or default_clock(plan, speed=speed)
    provider = provider or plan_provider(plan, clock)
    rid = rollout_id or new_rollout_id(plan, datetime.now(UTC))
    return Engine(log, plan, provider, clock, rid, holder=holder or default_holder(), on_event=on_event)


def resume_rollout(
    log: EventLog,
    rollout_id: str | None = None,
    *,
    clock: Clock | None = None,
    provider: Provider | None = None,
    holder: str | None = None,
    speed: float = 0.0,
    on_event: Callable[[Event], None] | None = None,
) -> Engine:
    """An engine that continues an unfinished rollout from the log (default: the newest)."""
    fold = replay(log, rollout_id)
    if fold.plan is None:
        raise BadInputError(f"rollout {fold.rollout_id} has no recorded plan")
    if fold.phase in ("completed", "aborted"):
        raise BadInputError(f"rollout {fold.rollout_id} is already {fold.phase}")
    plan = Plan.model_validate(fold.plan)
    clock = clock or default_clock(plan, speed=speed, resume_at=fold.last_tick_at, start_at=fold.started_at)
    provider = provider or plan_provider(plan, clock)
    assert fold.rollout_id is not None
    if isinstance(provider, Restorable):
        provider.restore(recorded_decisions(log, fold.rollout_id))
    return Engine(
        log, plan, provider, clock, fold.rollout_id, holder=holder or default_holder(), on_event=on_event
    )


def recorded_decisions(log: EventLog, rollout_id: str) -> list[Decision]:
    """The provider actions the log says the engine decided, in order (for `Restorable` providers)."""
    decisions = []
    for event in log.read(rollout_id=rollout_id):
        if event.actor != "engine":
            continue
        at = parse_iso(event.at)
        if event.type == EventType.BOOT_REQUESTED:
            decisions.append(Decision(at, "scale_new_fleet", int(event.data["desired"])))
        elif event.type == EventType.DRAIN_STARTED:
            decisions.append(Decision(at, "drain", str(event.data["host_id"])))
        elif event.type == EventType.HOST_TERMINATED:
            decisions.append(Decision(at, "terminate", str(event.data["host_id"])))
    return decisions


def open_rollout(
    log: EventLog,
    plan: Plan,
    *,
    speed: float = 0.0,
    on_event: Callable[[Event], None] | None = None,
    check_lease: bool = True,
) -> tuple[Engine, bool]:
    """The engine for `plan` on this log: the newest rollout resumed if it is unfinished, else a new one.

    Returns the engine and whether it resumes. With `check_lease`, a log another live engine drives is
    refused first (`LeaseHeldError`, exit 5), before anything is printed or folded. A rollout that never got
    as far as its plan (its engine died right after taking the lease) is left behind and a new one starts.
    """
    if check_lease:
        Lease(log, "", default_holder(), plan.engine.lease_seconds).check_free()
    rollout_id = log.latest_rollout_id()
    if rollout_id is not None:
        fold = replay(log, rollout_id)
        if fold.phase not in FINAL_PHASES and fold.plan is not None:
            recorded = fold.plan.get("name")
            if recorded != plan.name:
                raise BadInputError(
                    f"rollout {rollout_id} (plan {recorded}) is unfinished in {log.path}: "
                    "finish or abort it first, or use another --db"
                )
            return resume_rollout(log, rollout_id, speed=speed, on_event=on_event), True
    return start_rollout(plan, log, speed=speed, on_event=on_event), False
