"""The command palette's provider: the live screen's actions by name."""

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


class RolloutCommands(Provider):
    """Offers the rollout actions in the command palette."""

    async def discover(self) -> Hits:
        for title, action, help_text in ACTIONS:
            yield DiscoveryHit(title, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in ACTIONS:
            score = matcher.match(title)
            if score > 0:
                run = partial(self.app.run_action, action)
                yield Hit(score, matcher.highlight(title), run, help=help_text)
