"""The engine lease: one engine drives a log's rollouts at a time.

The lease is a stream in the log. Taking it appends the version after the one the engine found free, and
renewing it the version after its own, so two engines racing for it cannot both win: `UNIQUE(stream,
version)` refuses the second (`ConcurrencyError`), which then reads who holds it and exits 5. The version
must be the one that was checked: read afresh, it would already count the other engine's acquisition and let
both hold the lease. Expiry is wall-clock time, so a crashed engine's lease lapses and
another engine can take over and resume from the log; a holder on this machine whose process is gone is
taken over at once.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rollout_tui.domain.events import LEASE_STREAM, EventType, NewEvent
from rollout_tui.errors import LeaseHeldError
from rollout_tui.providers.base import iso, parse_iso
from rollout_tui.store.log import ConcurrencyError, EventLog


def default_holder() -> str:
    """`user@host:pid` of this process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


def holder_gone(holder: str) -> bool:
    """True when `holder` (`user@host:pid`) ran on this machine and its process no longer exists."""
    _, _, place = holder.rpartition("@")
    host, _, pid = place.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Lease:
    """This engine's hold on one rollout."""

    def __init__(
        self,
        log: EventLog,
        rollout_id: str,
        holder: str,
        seconds: float,
        *,
        wall: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.log = log
        """Where lease events go."""
        self.rollout_id = rollout_id
        """The rollout leased."""
        self.holder = holder
        """Who this engine is: `user@host:pid`."""
        self.seconds = seconds
        """How long a lease lasts without renewal."""
        self.wall = wall
        """Wall-clock source (injectable for tests)."""
        self.stream = LEASE_STREAM
        """The lease stream (one per log)."""
        self._version = 0
        self._expires: datetime | None = None

    def _newest(self) -> tuple[int, tuple[str, datetime] | None]:
        """The lease stream's version, with the holder and expiry its newest event names (None when free)."""
        last = self.log.last_of_stream(self.stream)
        if last is None:
            return 0, None
        if last.type == EventType.LEASE_RELEASED:
            return last.version, None
        return last.version, (str(last.data["holder"]), parse_iso(str(last.data["expires_at"])))

    def current(self) -> tuple[str, datetime] | None:
        """Holder and expiry of the newest lease event, or None when free."""
        return self._newest()[1]

    def _append(self, type_: str, at: str, expires: datetime, *, after: int) -> None:
        """Append the lease stream's version `after + 1`: refused if anyone appended `after + 1` first."""
        event = NewEvent(
            self.rollout_id,
            self.stream,
            type_,
            at,
            "engine",
            {"holder": self.holder, "expires_at": iso(expires)},
            version=after + 1,
        )
        self.log.append(event)
        self._version = after + 1
        self._expires = expires

    def check_free(self) -> int:
        """Raise `LeaseHeldError` naming the holder if another live engine holds the lease; else return the
        lease stream's version that was found free (the one to take it after)."""
        version, held = self._newest()
        if held is not None and held[0] != self.holder and held[1] > self.wall() and not holder_gone(held[0]):
            raise LeaseHeldError(
                f"{self.log.path} is driven by {held[0]} (lease until {iso(held[1])}); "
                "wait for it to finish or for its lease to expire"
            )
        return version

    def acquire(self, at: str) -> None:
        """Take the lease, or raise `LeaseHeldError` naming the engine that holds it."""
        free = self.check_free()
        expires = self.wall() + timedelta(seconds=self.seconds)
        try:
            self._append(EventType.LEASE_ACQUIRED, at, expires, after=free)
        except ConcurrencyError as err:
            held = self.current()
            who = held[0] if held else "another engine"
            raise LeaseHeldError(f"rollout {self.rollout_id} was just taken by {who}") from err

    def renew(self, at: str) -> None:
        """Extend the lease when a third of it is used; `LeaseHeldError` if another engine took it."""
        now = self.wall()
        if self._expires is not None and self._expires - now > timedelta(seconds=self.seconds * 2 / 3):
            return
        try:
            self._append(
                EventType.LEASE_RENEWED, at, now + timedelta(seconds=self.seconds), after=self._version
            )
        except ConcurrencyError as err:
            held = self.current()
            who = held[0] if held else "another engine"
            raise LeaseHeldError(f"lost the lease on rollout {self.rollout_id} to {who}") from err

    def release(self, at: str) -> None:
        """Give the lease up (best effort: a lease taken over meanwhile is left alone)."""
        if self._expires is None:
            return
        with contextlib.suppress(ConcurrencyError):
            self._append(EventType.LEASE_RELEASED, at, self.wall(), after=self._version)
        self._expires = None
