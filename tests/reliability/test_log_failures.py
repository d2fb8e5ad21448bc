"""The log fills up or turns read-only during a rollout: the engine stops with one line (exit 2), the log
stays consistent and resumable, and no provider action happened that the log had not recorded first."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rollout_tui import cli
from rollout_tui.domain.events import EventType, host_stream
from rollout_tui.engine import session
from rollout_tui.providers.base import HostFact, Incident, Signals
from rollout_tui.store.log import EventLog
from tests.reliability.harness import (
    LogFacts,
    assert_no_host_drained_twice,
    assert_one_line_error,
    assert_verify_clean,
    call_main,
)

FAIL_AFTER_SEQ = 700
"""Mid-drain in `outage-guarded` (about 1,400 events in all)."""


class RecordingProvider:
    """Passes every call to the real provider; before each action, checks the log already records it."""

    def __init__(self, inner: Any, db: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.db = db
        self.actions: list[tuple[str, object]] = []
        """Every action carried out, in order."""
        self.unrecorded: list[tuple[str, object]] = []
        """Actions the log did not record before they were carried out."""

    def _recorded(self, sql: str, params: Sequence[object]) -> bool:
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchone() is not None
        finally:
            conn.close()

    def _act(self, action: str, argument: object, recorded: bool) -> None:
        self.actions.append((action, argument))
        if not recorded:
            self.unrecorded.append((action, argument))

    def scale_new_fleet(self, desired: int) -> None:
        sql = "SELECT 1 FROM events WHERE type = ? AND json_extract(data, '$.desired') = ?"
        self._act("scale_new_fleet", desired, self._recorded(sql, (EventType.BOOT_REQUESTED, desired)))
        self.inner.scale_new_fleet(desired)

    def drain(self, host_id: str) -> None:
        sql = "SELECT 1 FROM events WHERE type = ? AND stream = ?"
        self._act("drain", host_id, self._recorded(sql, (EventType.DRAIN_STARTED, host_stream(host_id))))
        self.inner.drain(host_id)

    def terminate(self, host_id: str) -> None:
        sql = "SELECT 1 FROM events WHERE type = ? AND stream = ?"
        self._act(
            "terminate", host_id, self._recorded(sql, (EventType.HOST_TERMINATED, host_stream(host_id)))
        )
        self.inner.terminate(host_id)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    def list_hosts(self) -> list[HostFact]:
        return self.inner.list_hosts()

    def read_signals(self, start: datetime, end: datetime) -> Signals:
        return self.inner.read_signals(start, end)

    def take_incidents(self) -> list[Incident]:
        return self.inner.take_incidents()

    def restore(self, decisions: Sequence[Any]) -> None:
        self.inner.restore(decisions)

    def close(self) -> None:
        self.inner.close()


BREAKS = {
    "disk-full": ("PRAGMA max_page_count = {pages}", "disk is full"),
    "read-only": ("PRAGMA query_only = ON", "readonly"),
}


@pytest.mark.parametrize("kind", sorted(BREAKS))
def test_a_log_that_fills_up_or_turns_read_only_mid_rollout_stops_the_engine_cleanly(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "rollout.db"
    pragma, words = BREAKS[kind]
    providers: list[RecordingProvider] = []
    broken: list[int] = []

    class BreakingLog(EventLog):
        """The CLI's log; once past FAIL_AFTER_SEQ, its own connection can no longer grow or write."""

        def append_batch(self, events: Sequence[Any]) -> list[Any]:
            if not broken and self.last_seq() >= FAIL_AFTER_SEQ:
                pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
                self.conn.execute(pragma.format(pages=pages))
                broken.append(self.last_seq())
            return super().append_batch(events)

    real_build = session.build_provider

    def recording_build(*args: Any, **kwargs: Any) -> RecordingProvider:
        providers.append(RecordingProvider(real_build(*args, **kwargs), db))
        return providers[-1]

    monkeypatch.setattr(cli, "EventLog", BreakingLog)
    monkeypatch.setattr(session, "build_provider", recording_build)
    outcome = call_main("run", "outage-guarded", "--headless", "--db", str(db))
    monkeypatch.undo()

    line = assert_one_line_error(outcome, 2)
    assert words in line, line
    assert broken, "the log never broke"
    assert_verify_clean(db)
    facts = LogFacts.read(db)
    assert facts.last_seq < 1400, "the rollout went on"
    (provider,) = providers
    assert provider.actions, "the engine acted before the log broke"
    assert provider.unrecorded == [], "actions carried out before the log recorded them"
    drains = [argument for action, argument in provider.actions if action == "drain"]
    assert sorted(drains) == sorted(row[4]["host_id"] for row in facts.of(EventType.DRAIN_STARTED))

    resumed = call_main("run", "outage-guarded", "--headless", "--db", str(db))
    assert resumed.code == 0, resumed.stderr
    assert_verify_clean(db)
    assert_no_host_drained_twice(LogFacts.read(db))
