"""Screens and dialogs of the TUI."""
