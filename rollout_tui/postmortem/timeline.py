"""A postmortem timeline of one rollout: every decision with its numbers, operator actions, a summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from rollout_tui.domain.events import OPERATOR_TYPES, Event, EventType
from rollout_tui.domain.projection import RolloutProjection
from rollout_tui.providers.base import parse_iso


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline."""

    seq: int
    """The event's seq, to find it in the log."""
    at: str
    """Event time."""
    minute: float
    """Minutes since the rollout started."""
    title: str
    """What happened, in a few words."""
    details: str
    """The numbers behind it."""
    actor: str
    """Who did it."""


@dataclass(slots=True)
class Summary:
    """The figures a postmortem opens with."""

    outcome: str = "running"
    duration_minutes: float = 0.0
    hosts_booted: int = 0
    hosts_failed: int = 0
    hosts_replaced: int = 0
    hosts_drained: int = 0
    drains_forced: int = 0
    hosts_terminated: int = 0
    drain_steps: int = 0
    gate_blocks: int = 0
    gate_holds: int = 0
    minutes_blocked: float = 0.0
    peak_warnings_per_minute: float = 0.0
    peak_at: str | None = None
    top_fingerprints_at_peak: list[list[Any]] = field(default_factory=list)
    apps_healthy: int | None = None
    apps_corrupted: int | None = None
    api_throttled: int = 0
    provider_errors: int = 0
    operator_actions: int = 0


@dataclass(slots=True)
class Timeline:
    """A whole postmortem timeline."""

    rollout_id: str
    plan: dict[str, Any]
    provider: dict[str, Any]
    started_at: str | None
    summary: Summary
    entries: list[Entry]

    def as_json(self) -> dict[str, Any]:
        return {
            "rollout_id": self.rollout_id,
            "plan": self.plan.get("name"),
            "provider": self.provider,
            "started_at": self.started_at,
            "summary": asdict(self.summary),
            "entries": [asdict(e) for e in self.entries],
        }


def _fingerprints(data: dict[str, Any], top: int = 3) -> str:
    items = data.get("fingerprints") or []
    return "; ".join(f"{count:,} x `{text}`" for text, count in items[:top])


def _budget(budget: dict[str, Any]) -> str:
    policy = budget["policy"]
    surge = policy.get("surge_per_host_per_minute")
    return (
        f"limit {budget['limit']} (in flight <= {policy['max_in_flight']}, <= {policy['per_minute']}/min, "
        f"keep >= {policy['min_healthy']} healthy"
        + (f", surge <= {surge:g} apps/host/min" if surge else "")
        + ")"
    )


def _describe(event: Event) -> tuple[str, str] | None:
    d = event.data
    match event.type:
        case EventType.ROLLOUT_PLANNED:
            plan = d["plan"]
            return "Rollout planned", (
                f"plan {plan['name']}, {plan['fleets']['old']} -> {plan['fleets']['new']}, "
                f"target {plan['fleets']['target_size']}, gate {'on' if plan['gate']['enabled'] else 'off'}"
            )
        case EventType.ROLLOUT_STARTED:
            return "Rollout started", ""
        case EventType.STAGE_CHANGED:
            return f"Stage: {d['stage']}", ""
        case EventType.BOOT_REQUESTED:
            if d.get("replaces"):
                return "Replacement boot", f"replaces {d['replaces']}, new fleet desired {d['desired']}"
            return (
                "Boot requested",
                f"{d['count']} host(s), new fleet desired {d['desired']} (limit {d['limit']})",
            )
        case EventType.HOST_FAILED:
            return "Host failed", f"{d['host_id']}: {d.get('reason', '')}"
        case EventType.BASELINE_MEASURED:
            fp = _fingerprints(d)
            return "Baseline measured", (
                f"{d['baseline_per_minute']:.1f} warnings/min over {d['window_seconds']:g}s"
                + (f"; {fp}" if fp else "")
            )
        case EventType.DRAIN_STARTED if d.get("first_of_step"):
            return f"Drain step {d['step']}", f"{d['batch_size']} host(s); {_budget(d['budget'])}"
        case EventType.HOST_DRAINED if d.get("forced"):
            return "Drain forced", f"{d['host_id']}: {d.get('reason', '')}"
        case EventType.DRAIN_DEFERRED:
            return "Drain deferred", f"{d['wanted']} waiting; {_budget(d)} allows 0"
        case EventType.GATE_BLOCKED | EventType.GATE_HELD:
            title = "Gate blocked" if event.type == EventType.GATE_BLOCKED else "Gate held (needs approve)"
            fp = _fingerprints(d)
            return title, d.get("reason", "") + (f". Top warnings: {fp}" if fp else "")
        case EventType.GATE_CLEARED:
            return "Gate cleared", d.get("reason", "")
        case EventType.GATE_OVERRIDDEN:
            return "Gate overridden", f"{d.get('reason', '')} (was: {d.get('overrode')})"
        case EventType.SIGNALS_UNREADABLE:
            return "Signals unreadable", f"{d.get('operation', '')}: {d.get('detail', '')}"
        case EventType.API_THROTTLED:
            return "API throttled", f"{d.get('operation', '')}: {d.get('detail', '')}"
        case EventType.PROVIDER_ERROR:
            return "Provider error", f"{d.get('operation', '')}: {d.get('detail', '')}"
        case EventType.ROLLOUT_PAUSED:
            return "Rollout paused", f"by {d.get('by', 'engine')}: {d.get('reason', '')}"
        case EventType.ROLLOUT_RESUMED:
            return "Rollout resumed", f"by {d.get('by', 'engine')}"
        case EventType.ROLLOUT_ABORTED:
            return "Rollout aborted", f"by {d.get('by', 'engine')}: {d.get('reason', '')}"
        case EventType.ROLLOUT_COMPLETED:
            return "Rollout completed", f"after {d['duration_seconds'] / 60:.1f} min"
        case EventType.COMMAND_REJECTED:
            return "Command rejected", f"{d['command']} by {d['by']}: {d['reason']}"
        case EventType.LEASE_ACQUIRED:
            return "Engine took the lease", str(d["holder"]).rsplit(":", 1)[0]
    if event.type in OPERATOR_TYPES:
        reason = d.get("reason")
        return f"Operator: {event.type.removeprefix('Operator').lower()}", f'"{reason}"' if reason else ""
    return None


def build_timeline(events: list[Event]) -> Timeline:
    """Fold a rollout's events into its timeline and summary."""
    fold = RolloutProjection()
    summary = Summary()
    entries: list[Entry] = []
    start: datetime | None = None
    closed_at: datetime | None = None
    for event in events:
        fold.apply(event)
        moment = parse_iso(event.at)
        if event.type == EventType.ROLLOUT_STARTED:
            start = moment
        d = event.data
        match event.type:
            case EventType.HOST_BOOTED:
                summary.hosts_booted += 1
            case EventType.HOST_FAILED:
                summary.hosts_failed += 1
            case EventType.HOST_DRAINED:
                summary.hosts_drained += 1
                summary.drains_forced += 1 if d.get("forced") else 0
            case EventType.HOST_TERMINATED:
                summary.hosts_terminated += 1
            case EventType.BOOT_REQUESTED if d.get("replaces"):
                summary.hosts_replaced += 1
            case EventType.GATE_BLOCKED | EventType.GATE_HELD:
                summary.gate_blocks += event.type == EventType.GATE_BLOCKED
                summary.gate_holds += event.type == EventType.GATE_HELD
                closed_at = closed_at or moment
            case EventType.GATE_CLEARED | EventType.GATE_OVERRIDDEN if closed_at is not None:
                summary.minutes_blocked += (moment - closed_at).total_seconds() / 60
                closed_at = None
            case EventType.SIGNALS_OBSERVED if (
                float(d["warnings_per_minute"]) > summary.peak_warnings_per_minute
            ):
                summary.peak_warnings_per_minute = float(d["warnings_per_minute"])
                summary.peak_at = event.at
                summary.top_fingerprints_at_peak = list(d.get("fingerprints", []))[:3]
            case EventType.API_THROTTLED:
                summary.api_throttled += 1
            case EventType.PROVIDER_ERROR:
                summary.provider_errors += 1
        if event.type in OPERATOR_TYPES:
            summary.operator_actions += 1
        described = _describe(event)
        if described is not None:
            minute = (moment - start).total_seconds() / 60 if start else 0.0
            entries.append(Entry(event.seq, event.at, round(minute, 1), *described, event.actor))
    if closed_at is not None and fold.at:
        summary.minutes_blocked += (parse_iso(fold.at) - closed_at).total_seconds() / 60
    summary.minutes_blocked = round(summary.minutes_blocked, 1)
    summary.outcome = fold.phase
    summary.drain_steps = fold.drain_steps
    if start is not None and fold.at:
        summary.duration_minutes = round((parse_iso(fold.at) - start).total_seconds() / 60, 1)
    if fold.apps is not None:
        summary.apps_healthy, summary.apps_corrupted = fold.apps["healthy"], fold.apps["corrupted"]
    planned = next((e for e in events if e.type == EventType.ROLLOUT_PLANNED), None)
    return Timeline(
        rollout_id=fold.rollout_id or "",
        plan=fold.plan or {},
        provider=dict(planned.data.get("provider", {})) if planned else {},
        started_at=fold.started_at,
        summary=summary,
        entries=entries,
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(timeline: Timeline) -> str:
    """The timeline as Markdown that pastes into a postmortem document as it is."""
    s = timeline.summary
    plan = timeline.plan
    fleets = plan.get("fleets", {})
    lines = [
        f"# Rollout {timeline.rollout_id}",
        "",
        f"Plan `{plan.get('name')}` on provider `{plan.get('provider', {}).get('kind')}`: "
        f"fleet `{fleets.get('old')}` replaced by `{fleets.get('new')}` "
        f"(target {fleets.get('target_size')} hosts). "
        f"Started {timeline.started_at}. All times UTC.",
        "",
        "## Summary",
        "",
        "| | |",
        "|---|---|",
        f"| Outcome | {s.outcome} after {s.duration_minutes:.1f} min |",
        f"| Hosts booted | {s.hosts_booted} ({s.hosts_failed} failed, {s.hosts_replaced} replaced) |",
        f"| Hosts drained | {s.hosts_drained} in {s.drain_steps} steps "
        f"({s.drains_forced} forced by timeout) |",
        f"| Hosts terminated | {s.hosts_terminated} |",
        f"| Gate | {s.gate_blocks} block(s), {s.gate_holds} hold(s), {s.minutes_blocked:.1f} min closed |",
        f"| Peak warning rate | {s.peak_warnings_per_minute:.1f}/min"
        + (f" at {s.peak_at}" if s.peak_at else "")
        + " |",
    ]
    if s.top_fingerprints_at_peak:
        top = "; ".join(f"{count:,} x `{_cell(text)}`" for text, count in s.top_fingerprints_at_peak)
        lines.append(f"| Top warnings at peak | {top} |")
    if s.apps_corrupted is not None:
        lines.append(f"| Apps at the end | {s.apps_healthy:,} healthy, {s.apps_corrupted:,} corrupted |")
    lines += [
        f"| API throttling / provider errors | {s.api_throttled} / {s.provider_errors} |",
        f"| Operator actions | {s.operator_actions} |",
        "",
        "## Timeline",
        "",
        "| Time | +min | Seq | What | Details | Actor |",
        "|---|---:|---:|---|---|---|",
    ]
    for e in timeline.entries:
        lines.append(
            f"| {e.at[11:19]} | {e.minute:.1f} | {e.seq} | {_cell(e.title)} | {_cell(e.details)} | "
            f"{_cell(e.actor)} |"
        )
    return "\n".join(lines) + "\n"
