"""The append-only SQLite event log.

One file, WAL mode. The database enforces what the log promises: triggers abort UPDATE and DELETE and any
INSERT that would reuse a seq or a (stream, version); `UNIQUE(stream, version)` is the optimistic-concurrency
check; `CHECK(json_valid(data))` keeps payloads JSON. The file carries an application id and a schema version,
so a foreign or newer file is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from rollout_tui.domain.events import Event, NewEvent
from rollout_tui.domain.projection import HOST_COLUMNS
from rollout_tui.errors import BadInputError, RolloutError

APPLICATION_ID = 0x524F4C54  # "ROLT"
SCHEMA_VERSION = 1

_SNAPSHOTS = """CREATE TABLE IF NOT EXISTS snapshots (
    rollout_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (json_valid(state)),
    PRIMARY KEY (rollout_id, seq)
)"""
"""Derived data: projections at some seqs, so opening a long log costs the events since the last one.
Deleting every row changes nothing but speed."""

_SNAPSHOT_COLUMNS = """CREATE TABLE IF NOT EXISTS snapshot_columns (
    rollout_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (rollout_id, seq, name)
)"""
"""The long text columns of a snapshot (its hosts, `HOST_COLUMNS`), kept out of its JSON: read back as
they are, they cost no parsing."""

_SCHEMA = f"""
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    rollout_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object'),
    UNIQUE (stream, version)
);
CREATE INDEX events_rollout ON events (rollout_id, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
CREATE TRIGGER events_no_replace_seq BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'events are append-only: seq already used'); END;
CREATE TRIGGER events_no_replace_version BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE stream = NEW.stream AND version = NEW.version)
BEGIN SELECT RAISE(ABORT, 'stream version already used'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{_SNAPSHOTS};
{_SNAPSHOT_COLUMNS};
INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
"""

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""Compact JSON for `data`; the appended `Event` keeps the writer's own dict (events are not mutated)."""

_SEQ_AND_VERSION = (
    "SELECT (SELECT coalesce(max(seq), 0) FROM events), "
    "(SELECT coalesce(max(version), 0) FROM events WHERE stream = ?)"
)

_VERSIONS = "SELECT value, (SELECT max(version) FROM events WHERE stream = value) FROM json_each(?)"

_COLUMNS = "seq, rollout_id, stream, version, type, at, recorded_at, actor, data"
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"


class ConcurrencyError(RolloutError):
    """Another writer appended to the stream first: the expected version is taken."""


class LogFormatError(BadInputError):
    """The file is not a rollout_tui event log this version can use."""


def utc_now() -> str:
    """Wall-clock time, ISO 8601 UTC."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_decode = json.JSONDecoder().raw_decode


def _row_to_event(row: tuple[Any, ...]) -> Event:
    """A row as an `Event` (payloads are compact JSON objects as the store wrote them)."""
    seq, rollout_id, stream, version, type_, at, recorded_at, actor, data = row
    try:
        payload = _decode(data)[0]
    except (TypeError, ValueError) as err:
        raise LogFormatError(f"seq {seq}: data is not JSON ({err}); run `rollout-tui verify`") from err
    return Event(seq, rollout_id, stream, version, type_, at, recorded_at, actor, payload)


_loads = json.loads
_new_tuple = tuple.__new__
"""Builds an `Event` from its fields as `Event`'s own constructor does, without a Python frame per event."""


def _rows_to_events(rows: list[tuple[Any, ...]]) -> list[Event]:
    """Rows as `Event`s, their payloads decoded in one pass.

    Decoding a batch as one JSON array saves a Python-level decoder call per row; every stored payload is a
    JSON object (the table's CHECK), so the array holds exactly one object per row. Should it not, each row
    is decoded alone, which names the seq at fault.
    """
    try:
        payloads = _loads(f"[{','.join([row[8] for row in rows])}]")
    except (TypeError, ValueError):
        payloads = None
    if payloads is None or len(payloads) != len(rows):
        return list(map(_row_to_event, rows))
    return [_new_tuple(Event, (*row[:8], data)) for row, data in zip(rows, payloads, strict=True)]


class EventLog:
    """An open event log. Use one per thread: a connection belongs to the thread that opened it."""

    def __init__(
        self,
        path: str | Path,
        *,
        readonly: bool = False,
        create: bool = True,
        clock: Callable[[], str] = utc_now,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        self.path = str(path)
        """Where the log lives; `:memory:` for a private in-memory log."""
        self.readonly = readonly
        """True when opened for reading only: nothing can be written."""
        self._clock = clock
        self._busy_timeout_s = busy_timeout_ms / 1000
        memory = self.path == ":memory:"
        if not memory:
            exists = Path(self.path).exists()
            if not exists and (readonly or not create):
                raise LogFormatError(f"no event log at {self.path}")
            if exists and Path(self.path).is_dir():
                raise LogFormatError(f"{self.path} is a directory, not an event log")
            if not exists:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly and not memory:
                uri = f"file:{Path(self.path).resolve()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=busy_timeout_ms / 1000)
            else:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout_ms / 1000)
            self.conn = conn
            """The raw connection (autocommit; transactions are explicit)."""
            self.db = sqlite_utils.Database(conn, execute_plugins=False, recursive_triggers=False)
            """The sqlite-utils view of the same connection."""
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            self._check_or_create()
        except sqlite3.DatabaseError as err:
            self._close_quietly()
            raise LogFormatError(f"{self.path} is not a usable SQLite event log ({err})") from err

    def _close_quietly(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()

    def _check_or_create(self) -> None:
        conn = self.conn
        # One read transaction, so a log another process is creating right now is seen whole or not at all.
        conn.execute("BEGIN")
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        finally:
            conn.execute("COMMIT")
        if app_id == 0 and not tables:
            if self.readonly:
                raise LogFormatError(f"{self.path} is an empty database, not an event log")
            self._wal()
            conn.execute("BEGIN IMMEDIATE")
            try:
                # a second process may have created it meanwhile
                if conn.execute("PRAGMA application_id").fetchone()[0] == 0:
                    for statement in _SCHEMA.split(";\n"):
                        if statement.strip():
                            conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            app_id, version = APPLICATION_ID, SCHEMA_VERSION
        if app_id != APPLICATION_ID:
            raise LogFormatError(f"{self.path} is a SQLite database but not a rollout_tui event log")
        if version > SCHEMA_VERSION:
            raise LogFormatError(
                f"{self.path} has schema version {version}, newer than this rollout_tui understands "
                f"({SCHEMA_VERSION}): upgrade rollout_tui"
            )
        if "events" not in tables and tables:
            raise LogFormatError(f"{self.path} has no events table")
        if not self.readonly:
            self._wal()
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(_SNAPSHOTS)
            conn.execute(_SNAPSHOT_COLUMNS)

    def _wal(self) -> None:
        """Switch to WAL. Switching needs a moment with no other writer and SQLite does not wait for it (no
        busy handler), so while another process is creating the same log this retries, up to the busy
        timeout."""
        deadline = time.monotonic() + self._busy_timeout_s
        delay = 0.001
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------------

    def append(self, event: NewEvent) -> Event:
        """Append one event durably; raise `ConcurrencyError` if its version is taken."""
        return self.append_batch([event])[0]

    def append_batch(self, events: Sequence[NewEvent]) -> list[Event]:
        """Append events atomically, in order: all of them or none."""
        if self.readonly:
            raise RolloutError(f"{self.path} is open read-only")
        if not events:
            return []
        conn = self.conn
        recorded_at = self._clock()
        unversioned = list({new.stream for new in events if new.version is None})
        encode = _ENCODER.encode
        own = not conn.in_transaction  # inside `transaction()` the caller commits
        if own:
            conn.execute("BEGIN IMMEDIATE")
        try:
            if len(unversioned) == 1:  # the common single append: one round trip for both
                seq, current = conn.execute(_SEQ_AND_VERSION, unversioned).fetchone()
                next_version = {unversioned[0]: current}
            else:
                seq = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
                next_version = self._current_versions(unversioned)
            rows: list[tuple[object, ...]] = []
            appended: list[Event] = []
            for new in events:
                seq += 1
                version = new.version
                if version is None:
                    version = next_version.get(new.stream, 0) + 1
                next_version[new.stream] = version
                row = (seq, new.rollout_id, new.stream, version, new.type, new.at, recorded_at, new.actor)
                rows.append((*row, encode(new.data)))
                appended.append(_new_tuple(Event, (*row, new.data)))
            conn.executemany(_INSERT, rows)
            if own:
                conn.execute("COMMIT")
        except sqlite3.IntegrityError as err:
            if own:
                conn.execute("ROLLBACK")
            if "version" in str(err):
                raise ConcurrencyError(
                    "another writer appended to the same stream first (stream version already used)"
                ) from err
            raise RolloutError(f"event log refused the append: {err}") from err
        except BaseException:
            if own and conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return appended

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the write lock across several appends: all of them are committed together, or none."""
        if self.readonly:
            raise RolloutError(f"{self.path} is open read-only")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _current_versions(self, streams: list[str]) -> dict[str, int]:
        """The current version of each stream (absent: no events yet), in one query.

        One `max(version)` per stream, each a single seek into the (stream, version) index; a `GROUP BY`
        over `stream IN (...)` would read every version of every stream, and a rollout's own streams have
        thousands.
        """
        rows = self.conn.execute(_VERSIONS, (json.dumps(streams),))
        return {stream: version for stream, version in rows if version is not None}

    # -- reading -------------------------------------------------------------------------------------

    def last_seq(self) -> int:
        """The seq of the newest event, 0 for an empty log."""
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

    def stream_version(self, stream: str) -> int:
        """The current version of `stream`, 0 if it has no events."""
        row = self.conn.execute("SELECT coalesce(max(version), 0) FROM events WHERE stream = ?", (stream,))
        return int(row.fetchone()[0])

    def read(
        self,
        *,
        after: int = 0,
        upto: int | None = None,
        rollout_id: str | None = None,
        stream: str | None = None,
    ) -> Iterator[Event]:
        """Events with seq > `after` (and <= `upto`), oldest first, optionally of one rollout or stream."""
        where = ["seq > ?"]
        params: list[object] = [after]
        if upto is not None:
            where.append("seq <= ?")
            params.append(upto)
        if rollout_id is not None:
            where.append("rollout_id = ?")
            params.append(rollout_id)
        if stream is not None:
            where.append("stream = ?")
            params.append(stream)
        cursor = self.conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY seq", params
        )
        cursor.arraysize = 1000
        while batch := cursor.fetchmany():
            yield from _rows_to_events(batch)

    def follow(
        self,
        *,
        after: int = 0,
        rollout_id: str | None = None,
        wait: Callable[[], bool],
    ) -> Iterator[Event]:
        """Yield events as they are appended, by any process; `wait()` sleeps and returns False to stop."""
        while True:
            for event in self.read(after=after, rollout_id=rollout_id):
                after = event.seq
                yield event
            if not wait():
                return

    def last_of_stream(self, stream: str) -> Event | None:
        """The newest event of `stream`, or None."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1", (stream,)
        ).fetchone()
        return _row_to_event(row) if row else None

    def last_of_rollout(self, rollout_id: str) -> Event | None:
        """The newest event of `rollout_id`, or None."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE rollout_id = ? ORDER BY seq DESC LIMIT 1", (rollout_id,)
        ).fetchone()
        return _row_to_event(row) if row else None

    def rollout_ids(self) -> list[str]:
        """Rollouts in the log, oldest first."""
        rows = self.conn.execute(
            "SELECT rollout_id, min(seq) AS first FROM events GROUP BY rollout_id ORDER BY first"
        ).fetchall()
        return [r[0] for r in rows]

    def latest_rollout_id(self) -> str | None:
        """The rollout of the newest event, or None for an empty log."""
        row = self.conn.execute("SELECT rollout_id FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def has_rollout(self, rollout_id: str) -> bool:
        """Whether any event belongs to `rollout_id`."""
        row = self.conn.execute("SELECT 1 FROM events WHERE rollout_id = ? LIMIT 1", (rollout_id,))
        return row.fetchone() is not None

    # -- snapshots (derived data) --------------------------------------------------------------------

    def write_snapshot(
        self, rollout_id: str, seq: int, state: dict[str, object], *, thin_within: int | None = None
    ) -> None:
        """Keep a projection of `rollout_id` as of `seq` (best effort: a read-only log keeps none).

        Its host columns (`HOST_COLUMNS`) go to `snapshot_columns`, the rest to `snapshots` as JSON.
        With `thin_within`, snapshots written often stay few: of those before this one, only the first
        within each stretch of `thin_within` seqs is kept, and those of another format are dropped. A long
        log then holds one per stretch, so seeking anywhere folds at most about that many events, and the
        newest is always this one.
        """
        if self.readonly:
            return
        columns = {name: state[name] for name in HOST_COLUMNS if isinstance(state.get(name), str)}
        head = {name: value for name, value in state.items() if name not in columns}
        conn = self.conn
        with contextlib.nullcontext() if conn.in_transaction else self.transaction():
            conn.execute(
                "INSERT OR REPLACE INTO snapshots (rollout_id, seq, state) VALUES (?, ?, ?)",
                (rollout_id, seq, json.dumps(head, separators=(",", ":"))),
            )
            conn.execute("DELETE FROM snapshot_columns WHERE rollout_id = ? AND seq = ?", (rollout_id, seq))
            conn.executemany(
                "INSERT INTO snapshot_columns (rollout_id, seq, name, text) VALUES (?, ?, ?, ?)",
                [(rollout_id, seq, name, text) for name, text in columns.items()],
            )
            if thin_within is not None:
                conn.execute(
                    "DELETE FROM snapshots WHERE rollout_id = ? AND seq < ? "
                    "AND json_extract(state, '$.format') IS NOT ?",
                    (rollout_id, seq, head.get("format")),
                )
                conn.execute(
                    "DELETE FROM snapshots WHERE rollout_id = ?1 AND seq < ?2 AND seq NOT IN "
                    "(SELECT min(seq) FROM snapshots WHERE rollout_id = ?1 GROUP BY seq / ?3)",
                    (rollout_id, seq, thin_within),
                )
                conn.execute(
                    "DELETE FROM snapshot_columns WHERE rollout_id = ?1 AND seq < ?2 "
                    "AND seq NOT IN (SELECT seq FROM snapshots WHERE rollout_id = ?1)",
                    (rollout_id, seq),
                )

    def nearest_snapshot(
        self, rollout_id: str, upto: int | None = None
    ) -> tuple[int, dict[str, object]] | None:
        """The newest snapshot of `rollout_id` at or before `upto`, if the log has one."""
        try:
            # one statement, so a snapshot thinned away meanwhile is not read half
            rows = self.conn.execute(
                "SELECT s.seq, s.state, c.name, c.text FROM (SELECT seq, state FROM snapshots "
                "WHERE rollout_id = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1) AS s "
                "LEFT JOIN snapshot_columns AS c ON c.rollout_id = ?1 AND c.seq = s.seq",
                (rollout_id, upto if upto is not None else 2**62),
            ).fetchall()
        except sqlite3.OperationalError:
            return None  # a log written before snapshots existed, opened read-only
        if not rows:
            return None
        state = json.loads(rows[0][1])
        state.update((name, text) for _, _, name, text in rows if name is not None)
        return int(rows[0][0]), state

    def newest_snapshot_seq(self, rollout_id: str) -> int:
        """The seq of the newest snapshot of `rollout_id`, 0 if it has none."""
        try:
            row = self.conn.execute(
                "SELECT coalesce(max(seq), 0) FROM snapshots WHERE rollout_id = ?", (rollout_id,)
            ).fetchone()
        except sqlite3.OperationalError:
            return 0
        return int(row[0])

    def raw_rows(self) -> Iterable[tuple[object, ...]]:
        """Every row as stored, without parsing `data` (for `verify`)."""
        return self.conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
