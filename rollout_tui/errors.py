"""Exit codes (a contract, see README) and the one error type the CLI turns into a one-line message."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `rollout-tui` exits with."""

    OK = 0
    BAD_INPUT = 2
    ABORTED = 3
    PROVIDER_FAILURE = 4
    LEASE_HELD = 5
    INTERRUPTED = 130


class RolloutError(Exception):
    """An error to show the user as one line, exiting with `code`."""

    code: ExitCode = ExitCode.BAD_INPUT
    """The exit code this error maps to."""

    def __init__(self, message: str, code: ExitCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class BadInputError(RolloutError):
    """A plan, log or argument that cannot be used as given."""

    code = ExitCode.BAD_INPUT


class ProviderFailureError(RolloutError):
    """The provider failed after retries."""

    code = ExitCode.PROVIDER_FAILURE


class LeaseHeldError(RolloutError):
    """Another engine drives this rollout."""

    code = ExitCode.LEASE_HELD
