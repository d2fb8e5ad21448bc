"""Turning a step's warning counts into raw messages, at most a fixed number of distinct texts per step."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from rollout_tui.providers.sim import messages

Source = tuple[int, Callable[[], str]]
"""How many warnings a source emitted, and how to write one of its messages."""


def spread(count: int, slots: int) -> list[int]:
    """`count` split over `slots` parts as evenly as integers allow (largest first)."""
    base, extra = divmod(count, slots)
    return [base + 1] * extra + [base] * (slots - extra)


def step_messages(
    rng: random.Random,
    *,
    allocation_failures: Sequence[int],
    corrupted_apps: Sequence[int],
    corrupted_count: int,
    baseline_count: int,
    total_apps: int,
    max_messages: int,
) -> list[tuple[str, int]]:
    """Raw messages with counts for one step; the counts sum to every warning emitted.

    `allocation_failures` are apps that started corrupted this step (one message each), `corrupted_count`
    warnings come from the apps in `corrupted_apps`, `baseline_count` from healthy apps. When there are more
    warnings than `max_messages`, each source keeps a share of distinct texts and the counts pile onto them.
    """
    failures = iter(allocation_failures)
    sources: list[Source] = [
        (len(allocation_failures), lambda: messages.allocation_failure(rng, next(failures))),
        (corrupted_count, lambda: messages.corrupted_app_warning(rng, rng.choice(corrupted_apps))),
        (baseline_count, lambda: messages.baseline_warning(rng, rng.randint(1, max(1, total_apps)))),
    ]
    total = sum(count for count, _ in sources)
    out: list[tuple[str, int]] = []
    for count, write in sources:
        if count <= 0:
            continue
        slots = count if total <= max_messages else max(1, min(count, max_messages * count // total))
        out.extend((write(), part) for part in spread(count, slots))
    return out
