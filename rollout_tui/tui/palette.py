"""The command palette's providers: the live screen's and the replay's actions by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Pause rollout", "pause", "No boots, drains or terminations until resumed"),
    ("Resume rollout", "resume", "Go on with a paused rollout"),
    ("Step", "step", "Manual mode: allow the next drain step"),
    ("Approve gate", "approve", "Approve a held gate so draining may go on"),
    ("Override gate", "override", "Open a closed gate despite the signals (asks for a reason)"),
    ("Abort rollout", "abort", "Stop the rollout for good (asks first)"),
    ("Filter hosts", "filter", "Show one fleet or state in the host table"),
    ("Sort hosts", "sort", "Order the host table by the next column"),
    ("Help", "help", "Keys and what the screen shows"),
    ("Quit", "quit", "Close the TUI (asks what to do with a rollout this terminal drives)"),
)
"""Palette title, app action and help text."""

REPLAY_ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Step back", "step_back", "One event back (rebuilt from the nearest snapshot)"),
    ("Step forward", "step_forward", "One event forward"),
    (
        "Next decision",
        "next_decision",
        "Gate, operator, stage, pause/resume/abort/end, drain step, boot",
    ),
    ("Previous decision", "previous_decision", "Back to the decision before this position"),
    ("Play / pause", "play", "Play events at their own pace, sped up"),
    ("Faster", "faster", "Play faster: 1x, 2x, 5x, 10x, 20x, 50x, 100x event time"),
    ("Slower", "slower", "Play slower"),
    ("Seek", "seek", "Go to a seq, a time of day, a time since the start or an ISO time"),
    ("Go to start", "start", "The rollout's first event"),
    ("Go to end", "end", "The newest event"),
    ("Follow", "follow", "Stay at the end and show events as they are appended (toggle)"),
    ("Filter hosts", "filter", "Show one fleet or state in the host table"),
    ("Sort hosts", "sort", "Order the host table by the next column"),
    ("Help", "help", "Keys and what the screen shows"),
    ("Quit", "quit", "Close the replay"),
)
"""The replay's palette entries: title, app action and help text."""


class RolloutCommands(Provider):
    """Offers the rollout actions in the command palette."""

    actions: tuple[tuple[str, str, str], ...] = ACTIONS
    """Title, app action and help text of each entry."""

    async def discover(self) -> Hits:
        for title, action, help_text in self.actions:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self.actions:
            score = matcher.match(title)
            if score > 0:
                run = partial(self.app.run_action, action)
                yield Hit(score, matcher.highlight(title), run, help=help_text)


class ReplayCommands(RolloutCommands):
    """Offers the replay's actions in the command palette."""

    actions = REPLAY_ACTIONS
