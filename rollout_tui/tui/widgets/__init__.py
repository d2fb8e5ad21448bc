"""Widgets of the live screen: each renders one part of the rollout's state."""
