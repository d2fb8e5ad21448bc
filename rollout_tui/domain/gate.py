"""The warning-rate gate: block drains when warnings spike or apps go unhealthy, with hysteresis.

`evaluate` judges one reading against the baseline; `decide` turns that verdict and where the gate stands
into at most one gate event. Both are pure: the engine records what they return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from rollout_tui.domain.events import EventType
from rollout_tui.domain.projection import GateState


class Verdict(StrEnum):
    """What one reading says."""

    PASS = "pass"
    BLOCK = "block"
    HOLD = "hold"


_SEVERITY = {Verdict.PASS: 0, Verdict.BLOCK: 1, Verdict.HOLD: 2}


@dataclass(frozen=True, slots=True)
class GatePolicy:
    """The plan's `[gate]` in domain terms."""

    enabled: bool = True
    """False: capacity-only, every reading passes."""
    window_seconds: float = 300
    """The short window the rate is measured over."""
    floor_per_minute: float = 10.0
    """Never block below this rate."""
    multiple: float = 3.0
    """Block above this multiple of the baseline."""
    min_healthy_app_ratio: float | None = 0.99
    """Hold below this healthy-app ratio; None ignores app health."""
    clear_after: int = 3
    """Consecutive good readings before a block clears."""
    on_unreadable: str = "block"
    """`block`, `pass` or `hold` when signals cannot be read."""
    hold_after_seconds: float | None = 1800
    """A block older than this becomes a hold."""

    def threshold(self, baseline_per_minute: float) -> float:
        """The rate above which the gate blocks."""
        return max(self.floor_per_minute, self.multiple * baseline_per_minute)


@dataclass(frozen=True, slots=True)
class Reading:
    """The signals the gate judges, as the engine measured them."""

    rate_per_minute: float | None
    """App warnings per minute over the window; None when unreadable."""
    apps_healthy: int | None = None
    """Healthy apps, where known."""
    apps_corrupted: int | None = None
    """Corrupted apps, where known."""
    alarms: Sequence[str] = ()
    """Alarms in ALARM state."""
    fingerprints: Sequence[Sequence[Any]] = ()
    """Top warning fingerprints with counts."""
    unreadable_reason: str | None = None
    """Why signals could not be read."""

    @property
    def app_ratio(self) -> float | None:
        if self.apps_healthy is None or self.apps_corrupted is None:
            return None
        total = self.apps_healthy + self.apps_corrupted
        return self.apps_healthy / total if total else 1.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A verdict with its reasons and every number behind it."""

    verdict: Verdict
    """The worst finding."""
    reasons: list[str] = field(default_factory=list)
    """One phrase per finding, with numbers."""
    numbers: dict[str, Any] = field(default_factory=dict)
    """rate, baseline, threshold, window, floor, multiple, app ratio, alarms, fingerprints."""

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "all signals within limits"


def evaluate(policy: GatePolicy, baseline_per_minute: float, reading: Reading) -> Evaluation:
    """Judge one reading. Unreadable signals fail closed unless the policy says otherwise."""
    threshold = policy.threshold(baseline_per_minute)
    numbers: dict[str, Any] = {
        "rate_per_minute": reading.rate_per_minute,
        "baseline_per_minute": baseline_per_minute,
        "threshold_per_minute": threshold,
        "floor_per_minute": policy.floor_per_minute,
        "multiple": policy.multiple,
        "window_seconds": policy.window_seconds,
        "app_ratio": reading.app_ratio,
        "min_healthy_app_ratio": policy.min_healthy_app_ratio,
        "alarms": list(reading.alarms),
        "fingerprints": [list(f) for f in reading.fingerprints],
    }
    if not policy.enabled:
        return Evaluation(Verdict.PASS, ["gate disabled by plan (capacity only)"], numbers)
    findings: list[tuple[Verdict, str]] = []
    if reading.rate_per_minute is None:
        verdict = Verdict(policy.on_unreadable)
        why = reading.unreadable_reason or "unknown error"
        findings.append((verdict, f"signals unreadable ({why}); plan says {policy.on_unreadable}"))
    elif reading.rate_per_minute > threshold:
        findings.append(
            (
                Verdict.BLOCK,
                f"warnings {reading.rate_per_minute:.1f}/min > threshold {threshold:.1f}/min "
                f"(max of floor {policy.floor_per_minute:g}/min and {policy.multiple:g}x baseline "
                f"{baseline_per_minute:.1f}/min, over {policy.window_seconds:g}s)",
            )
        )
    ratio, min_ratio = reading.app_ratio, policy.min_healthy_app_ratio
    if min_ratio is not None and ratio is not None and ratio < min_ratio:
        findings.append(
            (
                Verdict.HOLD,
                f"healthy apps {ratio:.2%} < {min_ratio:.2%} ({reading.apps_corrupted} corrupted)",
            )
        )
    findings.extend((Verdict.BLOCK, f"alarm {name} is in ALARM") for name in reading.alarms)
    blocking = [(v, why) for v, why in findings if v is not Verdict.PASS]
    if not blocking:
        reasons = [why for _, why in findings]
        return Evaluation(Verdict.PASS, reasons, numbers)
    worst = max((v for v, _ in blocking), key=_SEVERITY.__getitem__)
    return Evaluation(worst, [why for _, why in blocking], numbers)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the gate does after a reading."""

    event: str | None
    """`GateBlocked`, `GateHeld`, `GateCleared`, or None to stay as it is."""
    good_streak: int
    """Consecutive good readings, to record with the reading."""


def decide(
    policy: GatePolicy,
    state: GateState,
    evaluation: Evaluation,
    *,
    good_streak: int,
    blocked_for_seconds: float,
    suppressed: bool,
) -> Decision:
    """Hysteresis: close at once, open after `clear_after` good readings in a row; holds wait for approve.

    `suppressed` is true while an operator's override or approval is in force: readings are still recorded
    but do not close the gate.
    """
    verdict = evaluation.verdict
    if state is GateState.OPEN:
        if verdict is Verdict.PASS or suppressed:
            return Decision(None, 0)
        return Decision(EventType.GATE_HELD if verdict is Verdict.HOLD else EventType.GATE_BLOCKED, 0)
    if state is GateState.HOLD:
        return Decision(None, 0)
    if verdict is Verdict.HOLD:
        return Decision(EventType.GATE_HELD, 0)
    if verdict is Verdict.BLOCK:
        too_long = policy.hold_after_seconds is not None and blocked_for_seconds >= policy.hold_after_seconds
        return Decision(EventType.GATE_HELD if too_long else None, 0)
    streak = good_streak + 1
    if streak >= policy.clear_after:
        return Decision(EventType.GATE_CLEARED, 0)
    return Decision(None, streak)
