"""What the seek dialog accepts: a seq, a time of day, a time since the start, or an ISO time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

HELP = "seq (1234 or #1234), time of day (14:05 or 14:05:30), time since the start (+0:12:30) or ISO time"
"""What the dialog says it takes."""

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SEQ = re.compile(r"^(?:#|seq\s*)?(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SeekTarget:
    """Where to go: a seq, or an event time (the last event at or before it)."""

    seq: int | None = None
    """A seq of the log."""
    when: datetime | None = None
    """An event time (UTC)."""


def _clock(text: str) -> timedelta | None:
    match = _CLOCK.match(text)
    if match is None:
        return None
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if minutes > 59 or seconds > 59:
        raise ValueError(f"{text!r} is not a time: minutes and seconds go up to 59")
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_target(text: str, started: datetime | None) -> SeekTarget:
    """Read what was typed; `started` is the rollout's first event time. ValueError says what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError(f"type a {HELP}")
    if match := _SEQ.match(text):
        return SeekTarget(seq=int(match.group(1)))
    if text.startswith("+"):
        offset = _clock(text[1:])
        if offset is None or started is None:
            raise ValueError(f"{text!r}: after + give H:MM or H:MM:SS since the start")
        return SeekTarget(when=started + offset)
    offset = _clock(text)
    if offset is not None:
        if offset >= timedelta(days=1):
            raise ValueError(f"{text!r} is not a time of day")
        if started is None:
            raise ValueError("the rollout has no events yet")
        when = datetime.combine(started.date(), datetime.min.time(), tzinfo=started.tzinfo) + offset
        return SeekTarget(when=when if when >= started else when + timedelta(days=1))
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a {HELP}") from None
    return SeekTarget(when=when if when.tzinfo else when.replace(tzinfo=UTC))
