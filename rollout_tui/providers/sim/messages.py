"""Raw warning and alert texts, varied the way real ones are: ids, paths, numbers, hex and quoted values.

Each template is one fingerprint once those parts are normalised away, so a flood of raw messages groups
into a handful of fingerprints.
"""

from __future__ import annotations

import random

_PACKAGES = ("lodash", "express", "react", "moment", "webpack", "typescript", "axios", "left-pad", "chalk")
_ROUTES = ("/api/v1/items", "/api/v1/users", "/api/v1/orders")


def app_name(app: int) -> str:
    """The id of user app number `app`."""
    return f"app-{app}"


def allocation_failure(rng: random.Random, app: int) -> str:
    """What a start that could not allocate its node_modules says."""
    name = app_name(app)
    kind = rng.randrange(3)
    if kind == 0:
        errno = rng.choice((-12, -28, -24))
        cache = rng.getrandbits(24)
        return (
            f"node_modules allocation failed for app {name} (errno {errno}) "
            f"at /srv/apps/{name}/node_modules/.cache/0x{cache:06x}"
        )
    if kind == 1:
        size = 1 << rng.randrange(16, 24)
        return f'ENOMEM: cannot allocate {size} bytes for "{rng.choice(_PACKAGES)}" in app {name}'
    expected, got = rng.getrandbits(64), rng.getrandbits(64)
    return (
        f'integrity check failed for "{rng.choice(_PACKAGES)}" in app {name}: '
        f"expected sha1 {expected:016x}, got {got:016x}"
    )


def corrupted_app_warning(rng: random.Random, app: int) -> str:
    """What a corrupted app keeps saying while it limps on."""
    name = app_name(app)
    kind = rng.randrange(3)
    if kind == 0:
        attempts = rng.randint(3, 5)
        took = rng.randint(3000, 9000)
        return f"app {name} health check failed after {attempts} attempts (took {took}ms)"
    if kind == 1:
        package, pid = rng.choice(_PACKAGES), rng.randint(100, 65000)
        return f"Error: Cannot find module '{package}' from '/srv/apps/{name}/index.js' (pid {pid})"
    code, restarts = rng.choice((1, 134, 137)), rng.randint(1, 40)
    return f"app {name} restarted by supervisor (exit code {code}, restart #{restarts})"


def baseline_warning(rng: random.Random, app: int) -> str:
    """Everyday noise from healthy apps."""
    name = app_name(app)
    if rng.random() < 0.6:
        route, item, took = rng.choice(_ROUTES), rng.randint(1, 99999), rng.randint(1000, 4000)
        return f"slow request GET {route}/{item} took {took}ms in app {name}"
    host = f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"connection to redis {host}:6379 reset in app {name}, retrying (attempt {rng.randint(1, 3)})"


def disk_firing(rng: random.Random, host_id: str) -> str:
    """The disk-usage monitor firing (or firing again) for a host."""
    return f"disk usage is getting tight on host {host_id} ({rng.randint(90, 94)}% of /var/lib/docker)"


def disk_resolved(rng: random.Random, host_id: str) -> str:
    """The disk-usage monitor resolving for a host."""
    return f"resolved: disk usage on host {host_id} back to {rng.randint(80, 86)}% of /var/lib/docker"
