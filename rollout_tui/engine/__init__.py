"""The rollout loop: plans, decisions, provider calls, events; operator commands; the lease."""
