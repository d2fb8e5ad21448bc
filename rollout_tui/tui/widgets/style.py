"""Colours and number formats shared by the widgets."""

from __future__ import annotations

from rollout_tui.domain.host import HostState

STATE_STYLE: dict[str, str] = {
    HostState.BOOTING: "yellow",
    HostState.HEALTHY: "green",
    HostState.UNHEALTHY: "dark_orange",
    HostState.FAILED: "bold red",
    HostState.DRAINING: "cyan",
    HostState.DRAINED: "blue",
    HostState.TERMINATED: "grey50",
}
"""The colour of each host state, wherever it is shown."""

STATE_ORDER: dict[str, int] = {state.value: i for i, state in enumerate(HostState)}
"""Host states in lifecycle order, for sorting."""


def clock(at: str | None) -> str:
    """`HH:MM:SS` of an ISO event time, or `--:--:--`."""
    return at[11:19] if at and len(at) >= 19 else "--:--:--"


def duration(seconds: float) -> str:
    """`1h02m03s`, `2m03s` or `3s`."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
