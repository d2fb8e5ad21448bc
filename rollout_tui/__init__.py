"""rollout_tui: replace a fleet of worker hosts without taking production down."""

__version__ = "0.1.0"
