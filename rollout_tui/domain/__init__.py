"""Pure rollout logic: events, state machines, policies and projections. No I/O, UI or cloud SDK here."""
