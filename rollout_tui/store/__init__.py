"""The SQLite event log: schema, append, read, follow, verify, replay."""

from rollout_tui.store.log import ConcurrencyError, EventLog, LogFormatError

__all__ = ["ConcurrencyError", "EventLog", "LogFormatError"]
