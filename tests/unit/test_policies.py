from __future__ import annotations

from rollout_tui.domain.budget import BudgetPolicy, FleetLoad, allowance
from rollout_tui.domain.events import EventType
from rollout_tui.domain.fingerprints import aggregate, fingerprint
from rollout_tui.domain.gate import GatePolicy, Reading, Verdict, decide, evaluate
from rollout_tui.domain.projection import GateState


def test_fingerprints_normalise_numbers_ids_hex_and_quoted_values() -> None:
    variants = [
        "node_modules allocation failed for app app-4411 (errno -12) at /srv/apps/app-4411/.cache/0x7f3a2c",
        "node_modules allocation failed for app app-9 (errno -12) at /srv/apps/app-9/.cache/0xdeadbeef",
    ]
    assert len({fingerprint(v) for v in variants}) == 1
    assert fingerprint('ENOMEM: cannot allocate 2097152 bytes for "lodash" in app app-9981') == (
        "ENOMEM: cannot allocate <n> bytes for <str> in app <id>"
    )
    assert fingerprint(
        "disk usage is getting tight on host i-0ab12cd34ef567890 (91% of /var/lib/docker)"
    ) == ("disk usage is getting tight on host <id> (<n>% of /var/lib/docker)")


def test_aggregate_counts_per_fingerprint_largest_first() -> None:
    messages = [(f"app app-{i} health check failed after {i % 4} attempts", 2) for i in range(50)]
    messages += [("disk usage is getting tight on host i-0abc123 (90%)", 1)]
    assert aggregate(messages) == [
        ["app <id> health check failed after <n> attempts", 100],
        ["disk usage is getting tight on host <id> (<n>%)", 1],
    ]


POLICY = GatePolicy(floor_per_minute=10, multiple=3, clear_after=3, min_healthy_app_ratio=0.99)


def test_the_gate_blocks_only_above_both_the_floor_and_the_baseline_multiple() -> None:
    assert evaluate(POLICY, 2.0, Reading(9.0)).verdict is Verdict.PASS, "under the floor"
    assert evaluate(POLICY, 5.0, Reading(14.0)).verdict is Verdict.PASS, "under 3x baseline"
    blocked = evaluate(POLICY, 5.0, Reading(16.0, fingerprints=[["x <n>", 7]]))
    assert blocked.verdict is Verdict.BLOCK
    assert blocked.numbers["threshold_per_minute"] == 15.0
    assert blocked.numbers["fingerprints"] == [["x <n>", 7]]
    assert "warnings 16.0/min > threshold 15.0/min" in blocked.reason


def test_corrupted_apps_hold_for_an_operator_and_unreadable_signals_fail_closed() -> None:
    held = evaluate(POLICY, 1.0, Reading(1.0, apps_healthy=980, apps_corrupted=20))
    assert held.verdict is Verdict.HOLD
    assert "healthy apps 98.00% < 99.00%" in held.reason
    assert evaluate(POLICY, 1.0, Reading(None, unreadable_reason="timeout")).verdict is Verdict.BLOCK
    lenient = GatePolicy(on_unreadable="pass")
    assert evaluate(lenient, 1.0, Reading(None)).verdict is Verdict.PASS
    assert evaluate(GatePolicy(enabled=False), 1.0, Reading(1e6)).verdict is Verdict.PASS


def test_a_block_clears_only_after_consecutive_good_readings() -> None:
    good, bad = evaluate(POLICY, 1.0, Reading(1.0)), evaluate(POLICY, 1.0, Reading(100.0))
    kw = {"blocked_for_seconds": 0.0, "suppressed": False}
    assert decide(POLICY, GateState.OPEN, bad, good_streak=0, **kw).event == EventType.GATE_BLOCKED
    streak = 0
    events = []
    for reading in [good, good, bad, good, good, good]:
        decision = decide(POLICY, GateState.BLOCKED, reading, good_streak=streak, **kw)
        streak = decision.good_streak
        events.append(decision.event)
    assert events == [None, None, None, None, None, EventType.GATE_CLEARED]


def test_a_long_block_becomes_a_hold_and_a_hold_waits_for_an_operator() -> None:
    bad, good = evaluate(POLICY, 1.0, Reading(100.0)), evaluate(POLICY, 1.0, Reading(1.0))
    late = decide(POLICY, GateState.BLOCKED, bad, good_streak=0, blocked_for_seconds=1800, suppressed=False)
    assert late.event == EventType.GATE_HELD
    for _ in range(5):
        kept = decide(POLICY, GateState.HOLD, good, good_streak=0, blocked_for_seconds=0, suppressed=False)
        assert kept.event is None
    suppressed = decide(POLICY, GateState.OPEN, bad, good_streak=0, blocked_for_seconds=0, suppressed=True)
    assert suppressed.event is None


def test_the_tightest_drain_limit_wins_and_is_named() -> None:
    policy = BudgetPolicy(max_in_flight=5, per_minute=3, min_healthy=90, surge_per_host_per_minute=None)
    load = FleetLoad(
        draining=1, started_last_minute=1, apps_moved_last_minute=40, healthy=100, candidate_apps=[40] * 20
    )
    grant = allowance(policy, load)
    assert (grant.allowed, grant.limit) == (2, "per_minute")
    assert grant.limits == {
        "remaining": 20,
        "max_in_flight": 4,
        "per_minute": 2,
        "min_healthy": 10,
        "surge": 20,
    }


def test_the_surge_limit_counts_apps_moving_onto_the_remaining_hosts() -> None:
    policy = BudgetPolicy(max_in_flight=30, per_minute=30, min_healthy=0, surge_per_host_per_minute=2.0)
    load = FleetLoad(
        draining=0, started_last_minute=0, apps_moved_last_minute=0, healthy=100, candidate_apps=[40] * 30
    )
    grant = allowance(policy, load)
    # k hosts move 40k apps onto 100 - k hosts: 40k / (100 - k) <= 2 holds up to k = 4
    assert (grant.allowed, grant.limit) == (4, "surge")
    crowded = FleetLoad(
        draining=0, started_last_minute=4, apps_moved_last_minute=160, healthy=96, candidate_apps=[40]
    )
    assert allowance(policy, crowded).allowed == 0
