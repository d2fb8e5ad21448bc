"""Named scenarios: the defaults a plan's `[provider.sim]` starts from before its own settings apply.

`outage` models the incident this tool exists for: 200 docker-worker hosts of 40 user apps each, hosts that
can allocate node_modules for only a few app starts a minute, a flapping disk-usage monitor, and a DNS API
that throttles bursty boots. `calm` is a small fleet with room to spare and quiet monitors.
"""

from __future__ import annotations

from typing import Any

OUTAGE: dict[str, Any] = {
    "seed": 7,
    "old_size": 200,
    "apps_per_host": 40,
    # An EC2 instance plus docker-worker provisioning: about six minutes, give or take a minute and a half.
    "boot_delay_seconds": 360.0,
    "boot_delay_spread_seconds": 90.0,
    "boot_failure_rate": 0.02,
    # docker-worker stops a draining host's containers and they are rescheduled within about 40 s.
    "drain_seconds": 40.0,
    "drain_spread_seconds": 10.0,
    "alloc_capacity_per_minute": 3.5,
    "corruption_slope": 0.3,
    "corruption_max": 0.5,
    "corrupted_warnings_per_minute": 2.0,
    "baseline_warnings_per_minute": 3.0,
    "disk_flapping": True,
    "disk_flapping_hosts": 12,
    "disk_flap_period_seconds": 300.0,
    "disk_renotify_seconds": 30.0,
    "boot_api_limit_per_minute": 20,
    "unhealthy_rate_per_minute": 0.05,
    "unhealthy_recovery_seconds": 180.0,
}
"""The outage: tight allocation capacity, noisy monitors, rate-limited boots."""

CALM: dict[str, Any] = {
    **OUTAGE,
    "old_size": 40,
    "apps_per_host": 20,
    "boot_delay_seconds": 120.0,
    "boot_delay_spread_seconds": 30.0,
    "boot_failure_rate": 0.0,
    "alloc_capacity_per_minute": 60.0,
    "baseline_warnings_per_minute": 1.0,
    "disk_flapping": False,
    "boot_api_limit_per_minute": 60,
    "unhealthy_rate_per_minute": 0.0,
}
"""No pressure: a small fleet, generous allocation capacity, quiet monitors."""

SCENARIOS: dict[str, dict[str, Any]] = {"outage": OUTAGE, "calm": CALM}
"""Scenario defaults by name."""
