from __future__ import annotations

import re
from datetime import timedelta

import pytest

from rollout_tui.domain.fingerprints import fingerprint
from rollout_tui.providers.base import IncidentKind, Lifecycle, Provider, ProviderError
from tests.sim.conftest import MakeSim


def _by_id(provider: Provider) -> dict[str, object]:
    return {h.host_id: h for h in provider.list_hosts()}


def test_simulator_implements_the_provider_protocol(make_sim: MakeSim) -> None:
    provider, _ = make_sim(old_size=3)
    assert isinstance(provider, Provider)
    assert provider.name == "sim"
    assert provider.describe()["scenario"] == "outage"


def test_old_fleet_starts_in_service_with_apps_and_aws_like_ids(make_sim: MakeSim) -> None:
    provider, _ = make_sim(old_size=5, apps_per_host=7)
    hosts = provider.list_hosts()
    assert len(hosts) == 5
    for host in hosts:
        assert re.fullmatch(r"i-[0-9a-f]{17}", host.host_id)
        assert (host.fleet, host.lifecycle, host.healthy, host.apps) == ("old", Lifecycle.IN_SERVICE, True, 7)


def test_new_hosts_boot_pending_then_in_service_healthy(make_sim: MakeSim) -> None:
    provider, clock = make_sim(
        old_size=2, boot_failure_rate=0.0, boot_delay_seconds=120, boot_delay_spread_seconds=0
    )
    provider.scale_new_fleet(3)
    new = [h for h in provider.list_hosts() if h.fleet == "new"]
    assert [h.lifecycle for h in new] == [Lifecycle.PENDING] * 3
    clock.sleep(60)
    assert all(h.lifecycle is Lifecycle.PENDING for h in provider.list_hosts() if h.fleet == "new")
    clock.sleep(70)
    new = [h for h in provider.list_hosts() if h.fleet == "new"]
    assert [(h.lifecycle, h.healthy, h.apps) for h in new] == [(Lifecycle.IN_SERVICE, True, 0)] * 3


def test_scale_new_fleet_sets_a_total_and_is_idempotent(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=2)
    provider.scale_new_fleet(4)
    provider.scale_new_fleet(4)
    clock.sleep(30)
    provider.scale_new_fleet(4)
    assert sum(h.fleet == "new" for h in provider.list_hosts()) == 4


def test_failed_boots_never_become_healthy(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=1, boot_failure_rate=1.0, boot_api_limit_per_minute=100)
    provider.scale_new_fleet(5)
    clock.sleep(3600)
    new = [h for h in provider.list_hosts() if h.fleet == "new"]
    assert [(h.lifecycle, h.healthy) for h in new] == [(Lifecycle.IN_SERVICE, False)] * 5


def test_bursty_boots_are_throttled_reported_and_launched_later(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=1, boot_api_limit_per_minute=10)
    provider.scale_new_fleet(25)
    assert sum(h.fleet == "new" for h in provider.list_hosts()) == 10
    incidents = provider.take_incidents()
    assert [(i.kind, i.operation) for i in incidents] == [(IncidentKind.THROTTLED, "scale_new_fleet")]
    assert incidents[0].data == {"requested": 25, "launched": 10, "deferred": 15, "limit": 10}
    assert provider.take_incidents() == []
    clock.sleep(60)
    assert sum(h.fleet == "new" for h in provider.list_hosts()) == 20
    clock.sleep(60)
    assert sum(h.fleet == "new" for h in provider.list_hosts()) == 25
    assert provider.take_incidents() == []


def test_drain_moves_apps_to_remaining_hosts_of_both_fleets_then_reports_drained(make_sim: MakeSim) -> None:
    provider, clock = make_sim(
        old_size=4, apps_per_host=20, boot_failure_rate=0.0, boot_delay_spread_seconds=0
    )
    provider.scale_new_fleet(2)
    clock.sleep(600)
    victim = next(h for h in provider.list_hosts() if h.fleet == "old")
    provider.drain(victim.host_id)
    provider.drain(victim.host_id)
    assert _by_id(provider)[victim.host_id].lifecycle is Lifecycle.DRAINING
    clock.sleep(300)
    hosts = provider.list_hosts()
    drained = next(h for h in hosts if h.host_id == victim.host_id)
    assert (drained.lifecycle, drained.apps) == (Lifecycle.DRAINED, 0)
    assert sum(h.apps or 0 for h in hosts) == 4 * 20
    assert any(h.fleet == "new" and h.apps for h in hosts)
    assert sum(h.apps or 0 for h in hosts if h.fleet == "old") > 3 * 20


def test_terminated_hosts_stay_listed_as_terminated_for_a_while_then_vanish(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=3, terminated_visible_seconds=300)
    victim = provider.list_hosts()[0].host_id
    provider.drain(victim)
    clock.sleep(300)
    provider.terminate(victim)
    provider.terminate(victim)
    assert _by_id(provider)[victim].lifecycle is Lifecycle.TERMINATED
    clock.sleep(310)
    assert victim not in _by_id(provider)
    provider.terminate(victim)


def test_terminating_a_new_host_shrinks_the_new_fleet(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=1, boot_failure_rate=1.0)
    provider.scale_new_fleet(2)
    clock.sleep(900)
    failed = next(h for h in provider.list_hosts() if h.fleet == "new")
    provider.terminate(failed.host_id)
    clock.sleep(600)
    assert (
        sum(h.fleet == "new" and h.lifecycle is not Lifecycle.TERMINATED for h in provider.list_hosts()) == 1
    )
    provider.scale_new_fleet(2)
    assert (
        sum(h.fleet == "new" and h.lifecycle is not Lifecycle.TERMINATED for h in provider.list_hosts()) == 2
    )


def test_draining_an_unknown_host_is_a_non_retryable_error(make_sim: MakeSim) -> None:
    provider, _ = make_sim(old_size=1)
    with pytest.raises(ProviderError) as caught:
        provider.drain("i-00000000000000000")
    assert not caught.value.retryable


def test_baseline_warnings_arrive_at_about_the_configured_rate(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=10, baseline_warnings_per_minute=6.0)
    clock.sleep(3600)
    now = clock.now()
    signals = provider.read_signals(now - timedelta(hours=1), now)
    assert 300 <= signals.warnings <= 420
    assert sum(count for _, count in signals.messages) == signals.warnings
    assert (signals.apps_healthy, signals.apps_corrupted) == (10 * 40, 0)


def test_signals_cover_only_the_window_asked_for(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=10, baseline_warnings_per_minute=60.0)
    clock.sleep(600)
    now = clock.now()
    whole = provider.read_signals(now - timedelta(minutes=10), now).warnings
    halves = [
        provider.read_signals(now - timedelta(minutes=10), now - timedelta(minutes=5)).warnings,
        provider.read_signals(now - timedelta(minutes=5), now).warnings,
    ]
    assert sum(halves) == whole
    assert provider.read_signals(now, now + timedelta(minutes=5)).warnings == 0


def test_flapping_disk_monitor_floods_alerts_not_warnings_with_few_fingerprints(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=50, baseline_warnings_per_minute=0.0)
    clock.sleep(3600)
    now = clock.now()
    signals = provider.read_signals(now - timedelta(hours=1), now)
    assert signals.warnings == 0
    raw = sum(count for _, count in signals.alerts)
    assert raw >= 500
    fingerprints = {fingerprint(text) for text, _ in signals.alerts}
    assert len(fingerprints) == 2
    assert any(text.startswith("disk usage is getting tight on host i-") for text, _ in signals.alerts)


def test_surge_beyond_allocation_capacity_corrupts_apps_that_stay_corrupted(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=20, apps_per_host=60, unhealthy_rate_per_minute=0.0)
    for host in provider.list_hosts()[:15]:
        provider.drain(host.host_id)
    clock.sleep(120)
    now = clock.now()
    during = provider.read_signals(now - timedelta(minutes=2), now)
    assert during.apps_corrupted and during.apps_corrupted > 50
    assert (during.apps_healthy or 0) + during.apps_corrupted == 20 * 60
    fingerprints = {fingerprint(text) for text, _ in during.messages}
    assert any(f.startswith("node_modules allocation failed for app <id>") for f in fingerprints)
    assert len(fingerprints) <= 12
    clock.sleep(1800)
    now = clock.now()
    later = provider.read_signals(now - timedelta(minutes=5), now)
    assert later.apps_corrupted == during.apps_corrupted
    assert later.warnings / 5 >= during.apps_corrupted


def test_a_gentle_drain_within_capacity_corrupts_nothing(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=40, apps_per_host=40)
    for host in provider.list_hosts()[:2]:
        provider.drain(host.host_id)
    clock.sleep(600)
    now = clock.now()
    assert provider.read_signals(now - timedelta(minutes=10), now).apps_corrupted == 0


def test_listing_patched_incrementally_matches_a_full_rebuild(make_sim: MakeSim) -> None:
    provider, clock = make_sim(old_size=30, terminated_visible_seconds=120)
    provider.scale_new_fleet(30)
    for minute in range(30):
        hosts = provider.list_hosts()
        assert hosts == [host.fact() for host in provider.world.hosts.values()]
        if minute == 10:
            for host in [h for h in hosts if h.fleet == "old"][:10]:
                provider.drain(host.host_id)
        if minute == 15:
            for host in hosts:
                if host.lifecycle is Lifecycle.DRAINED:
                    provider.terminate(host.host_id)
        clock.sleep(60)
