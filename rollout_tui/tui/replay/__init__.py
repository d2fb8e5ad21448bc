"""The replay's moving parts without textual: a cursor over the log, the player's clock, seek targets."""
