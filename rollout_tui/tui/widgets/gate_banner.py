"""The gate banner: one calm line while the gate is open, a block of red or yellow with numbers when not."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from rollout_tui.domain.projection import GateState, RolloutProjection
from rollout_tui.tui.widgets.style import clock

_BANNER_CLASSES = ("-open", "-blocked", "-held", "-paused", "-completed", "-aborted")


def _rate(value: Any) -> str:
    return "?" if value is None else f"{float(value):.1f}/min"


def numbers_line(numbers: dict[str, Any]) -> str:
    """The numbers behind a gate decision, as one line."""
    parts = []
    if numbers.get("rate_per_minute") is not None or "threshold_per_minute" in numbers:
        rate, limit = _rate(numbers.get("rate_per_minute")), _rate(numbers.get("threshold_per_minute"))
        parts.append(f"rate {rate} vs threshold {limit}")
        parts.append(
            f"baseline {_rate(numbers.get('baseline_per_minute'))} x{numbers.get('multiple', '?')}"
            f", floor {_rate(numbers.get('floor_per_minute'))}"
        )
    if numbers.get("window_seconds") is not None:
        parts.append(f"window {float(numbers['window_seconds']):g}s")
    ratio, minimum = numbers.get("app_ratio"), numbers.get("min_healthy_app_ratio")
    if ratio is not None:
        parts.append(f"apps {float(ratio):.2%} healthy" + (f" (min {float(minimum):.0%})" if minimum else ""))
    return " · ".join(parts)


def fingerprints_line(fingerprints: list[list[Any]], top: int = 3) -> str:
    """`1,204 × node_modules allocation failed for app <id> · …`."""
    return " · ".join(f"{int(count):,} × {text}" for text, count in fingerprints[:top])


class GateBanner(Static):
    """Says whether drains may proceed and, when they may not, why, in numbers."""

    def __init__(self, *, id: str | None = None, hints: bool = True) -> None:
        super().__init__(id=id)
        self.hints = hints
        """Whether to name the keys that answer the gate (not in a replay, where nothing can be sent)."""
        self._last: tuple[object, ...] | None = None

    def show(self, fold: RolloutProjection, threshold: float | None) -> None:
        """Redraw from the fold if what it shows changed."""
        key = (
            fold.phase,
            fold.gate_state,
            fold.gate_reason,
            fold.seq if fold.gate_state != "open" else 0,
            fold.pause_reason,
            round(fold.warnings_per_minute, 1),
            threshold,
            fold.signals_readable,
        )
        if key == self._last:
            return
        self._last = key
        lines, kind = self._lines(fold, threshold)
        self._set_kind(f"-{kind}")
        self.update(Text("\n").join(lines))

    def _set_kind(self, wanted: str) -> None:
        """Keep exactly one of the banner's state classes."""
        for name in _BANNER_CLASSES:
            self.set_class(name == wanted, name)

    def _lines(self, fold: RolloutProjection, threshold: float | None) -> tuple[list[Text], str]:
        gate = fold.gate_state
        lines: list[Text] = []
        if fold.phase == "completed":
            return [Text(f"✔ ROLLOUT COMPLETED at {clock(fold.finished_at)}", "bold")], "completed"
        if fold.phase == "aborted":
            last = fold.commands[-1].data.get("reason") if fold.commands else None
            why = f": {last}" if last else ""
            return [Text(f"✖ ROLLOUT ABORTED at {clock(fold.finished_at)}{why}", "bold")], "aborted"
        kind = "open"
        if fold.phase == "paused":
            kind = "paused"
            why = fold.pause_reason or "by an operator"
            lines.append(Text(f"‖ PAUSED: {why}" + (" — press r to resume" if self.hints else ""), "bold"))
        if gate is GateState.OPEN:
            rate = f"warnings {fold.warnings_per_minute:.1f}/min"
            above = threshold is not None and fold.warnings_per_minute > threshold
            limit = f" {'>' if above else '<'} threshold {threshold:.1f}/min" if threshold is not None else ""
            note = "" if fold.signals_readable else " · signals unreadable"
            lines.append(Text(f"gate open · {rate}{limit}{note}"))
            return lines, kind
        numbers = fold.gate_numbers
        if gate is GateState.HOLD:
            kind = "held" if kind == "open" else kind
            since = clock(fold.gate_since)
            title = f"■ GATE HELD since {since} · drains stopped until approved" + (
                " · a approve · o override" if self.hints else ""
            )
        else:
            kind = "blocked" if kind == "open" else kind
            needed = (fold.plan or {}).get("gate", {}).get("clear_after", "?")
            title = (
                f"■ GATE BLOCKED since {clock(fold.gate_since)} · drains stopped · "
                f"good readings {fold.gate_streak}/{needed}" + (" · o override" if self.hints else "")
            )
        lines.append(Text(title, "bold"))
        lines.append(Text(f"why: {fold.gate_reason}"))
        detail = numbers_line(numbers)
        if detail and "threshold" not in (fold.gate_reason or ""):
            lines.append(Text(detail))
        top = fingerprints_line(list(numbers.get("fingerprints") or fold.fingerprints))
        if top:
            lines.append(Text(f"top: {top}"))
        return lines, kind
