from __future__ import annotations

from collections import Counter
from datetime import timedelta

from rollout_tui.domain.events import EventType
from rollout_tui.engine.lease import wall_clock
from rollout_tui.engine.plan import load_plan
from rollout_tui.engine.session import resume_rollout, start_rollout
from rollout_tui.store.log import EventLog
from rollout_tui.store.verify import verify


def final_hosts(log: EventLog) -> dict[str, str]:
    from rollout_tui.store.replay import replay

    return {h.host_id: h.state for h in replay(log).hosts.values()}


def test_a_simulator_rollout_killed_mid_drain_resumes_to_the_same_end_as_an_uninterrupted_run() -> None:
    plan = load_plan("outage-guarded")
    with EventLog(":memory:") as straight:
        start_rollout(plan, straight, holder="a", rollout_id="r").run()
        expected = final_hosts(straight)
        expected_status = {k: v for k, v in straight_status(straight).items() if k != "seq"}

    with EventLog(":memory:") as log:
        first = start_rollout(plan, log, holder="a", rollout_id="r")
        first.lease.acquire("2026-01-01T00:00:00Z")
        first.begin()
        while first.projection.counts["old"]["terminated"] < 50:
            first.tick()
            first.clock.sleep(plan.engine.tick_seconds)
        # the engine dies here: no lease release; a new one takes over once the lease has expired
        later = wall_clock() + timedelta(seconds=plan.engine.lease_seconds + 1)
        second = resume_rollout(log, "r", holder="b")
        second.lease.wall = lambda: later
        second.run()
        assert final_hosts(log) == expected
        assert {k: v for k, v in straight_status(log).items() if k != "seq"} == expected_status
        drains = Counter(e.data["host_id"] for e in log.read() if e.type == EventType.DRAIN_STARTED)
        assert set(drains.values()) == {1}
        assert verify(log).ok


def straight_status(log: EventLog) -> dict[str, object]:
    from rollout_tui.store.replay import replay

    return replay(log).status_json()
