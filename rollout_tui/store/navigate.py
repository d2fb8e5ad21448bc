"""Find positions in one rollout's log without folding it.

The bounds of a rollout, the next or previous event of some types, the last event at or before an event
time. Every query walks the `(rollout_id, seq)` index, so it costs microseconds to a few hundred
milliseconds on a million-event log, and reads nothing it does not return.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from rollout_tui.domain.events import Event
from rollout_tui.store.log import EventLog, _row_to_event

_COLUMNS = "seq, rollout_id, stream, version, type, at, recorded_at, actor, data"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def bounds(log: EventLog, rollout_id: str) -> tuple[int, int]:
    """The first and last seq of `rollout_id`; (0, 0) when it has no events."""
    row = log.conn.execute(
        "SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM events WHERE rollout_id = ?", (rollout_id,)
    ).fetchone()
    return int(row[0]), int(row[1])


def event_at(log: EventLog, rollout_id: str, seq: int) -> Event | None:
    """The event at `seq` if it belongs to `rollout_id`."""
    row = log.conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE seq = ? AND rollout_id = ?", (seq, rollout_id)
    ).fetchone()
    return _row_to_event(row) if row else None


def neighbour(log: EventLog, rollout_id: str, seq: int, *, forward: bool) -> int | None:
    """The seq of the rollout's event right after (or before) `seq`; None at either end."""
    op, order = (">", "ASC") if forward else ("<", "DESC")
    row = log.conn.execute(
        f"SELECT seq FROM events WHERE rollout_id = ? AND seq {op} ? ORDER BY seq {order} LIMIT 1",
        (rollout_id, seq),
    ).fetchone()
    return int(row[0]) if row else None


def find(
    log: EventLog,
    rollout_id: str,
    seq: int,
    types: Collection[str],
    *,
    forward: bool,
    flagged: Mapping[str, str] | None = None,
) -> Event | None:
    """The rollout's first event after `seq` (or last before it) whose type is in `types`.

    `flagged` adds types that count only when a boolean field of their data is true, e.g.
    `{"DrainStarted": "first_of_step"}` for the first drain of each step.
    """
    op, order = (">", "ASC") if forward else ("<", "DESC")
    kinds = list(types)
    wanted = [f"type IN ({','.join('?' * len(kinds))})"] if kinds else []
    params: list[object] = [rollout_id, seq, *kinds]
    for type_, field in (flagged or {}).items():
        wanted.append("(type = ? AND json_extract(data, ?))")
        params += [type_, f"$.{field}"]
    if not wanted:
        return None
    row = log.conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE rollout_id = ? AND seq {op} ? AND ({' OR '.join(wanted)}) "
        f"ORDER BY seq {order} LIMIT 1",
        params,
    ).fetchone()
    return _row_to_event(row) if row else None


def _first_from(log: EventLog, rollout_id: str, seq: int) -> tuple[int, str] | None:
    row = log.conn.execute(
        "SELECT seq, at FROM events WHERE rollout_id = ? AND seq >= ? ORDER BY seq LIMIT 1", (rollout_id, seq)
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def seq_at_time(log: EventLog, rollout_id: str, when: datetime) -> int:
    """The seq of the rollout's last event at or before event time `when`; 0 if it starts later.

    A binary search over seq (the rollout's events are written in event-time order), so a million events
    cost about forty indexed lookups; times are compared parsed, whatever their ISO spelling.
    """
    first, last = bounds(log, rollout_id)
    if first == 0:
        return 0
    lo, hi, found = first, last, 0
    while lo <= hi:
        mid = (lo + hi) // 2
        hit = _first_from(log, rollout_id, mid)
        if hit is None:
            hi = mid - 1
            continue
        seq, at = hit
        if _time(at) <= when:
            found, lo = seq, seq + 1
        else:
            hi = mid - 1
    return found


def stream_window_start(log: EventLog, stream: str, upto: int, count: int) -> int:
    """The seq from which `stream` has its last `count` events at or before `upto` (0: from its start)."""
    row = log.conn.execute(
        "SELECT seq FROM events WHERE stream = ? AND seq <= ? ORDER BY version DESC LIMIT 1 OFFSET ?",
        (stream, upto, max(0, count - 1)),
    ).fetchone()
    return int(row[0]) if row else 0
