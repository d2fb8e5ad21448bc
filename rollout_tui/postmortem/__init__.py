"""Postmortems from the log: the timeline of a rollout, and what another plan would have done."""
