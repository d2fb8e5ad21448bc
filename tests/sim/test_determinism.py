from __future__ import annotations

from datetime import timedelta

from rollout_tui.providers.base import HostFact, Signals
from tests.sim.conftest import MakeSim


def _script(make_sim: MakeSim, seed: int) -> tuple[list[list[HostFact]], list[Signals]]:
    """Boot, drain half the old fleet hard, terminate, reading everything along the way."""
    provider, clock = make_sim(scenario="outage", seed=seed, old_size=30)
    listings, signals = [], []
    provider.scale_new_fleet(30)
    for minute in range(40):
        hosts = provider.list_hosts()
        listings.append(hosts)
        now = clock.now()
        signals.append(provider.read_signals(now - timedelta(minutes=5), now))
        if minute == 15:
            for host in [h for h in hosts if h.fleet == "old"][:15]:
                provider.drain(host.host_id)
        if minute == 25:
            for host in hosts:
                provider.terminate(host.host_id) if host.lifecycle == "drained" else None
        clock.sleep(60)
    return listings, signals


def test_same_seed_gives_the_same_facts(make_sim: MakeSim) -> None:
    first, second = _script(make_sim, 11), _script(make_sim, 11)
    assert first == second
    assert sum(s.apps_corrupted or 0 for s in first[1]) > 0


def test_another_seed_gives_other_hosts(make_sim: MakeSim) -> None:
    first, other = _script(make_sim, 11), _script(make_sim, 12)
    assert {h.host_id for h in first[0][0]} != {h.host_id for h in other[0][0]}
