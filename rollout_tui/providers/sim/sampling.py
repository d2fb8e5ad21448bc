"""Draws from the simulator's one seeded generator: counts, delays and AWS-looking ids."""

from __future__ import annotations

import math
import random


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (normal approximation above a mean of 30, which is plenty here)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def steps_of(rng: random.Random, mean_seconds: float, spread_seconds: float, step_seconds: float) -> int:
    """A normally spread duration in whole steps, at least one."""
    seconds = rng.gauss(mean_seconds, spread_seconds) if spread_seconds > 0 else mean_seconds
    return max(1, round(seconds / step_seconds))


def instance_id(rng: random.Random) -> str:
    """An id shaped like an EC2 instance id: `i-` and 17 hex digits."""
    return f"i-{rng.getrandbits(68):017x}"
