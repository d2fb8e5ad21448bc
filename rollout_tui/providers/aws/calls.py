"""AWS API calls with botocore's retries, every retried throttle or error kept as an `Incident`.

botocore retries each call itself (`adaptive` or `standard` mode, `max_attempts` attempts). A `needs-retry`
event hook sees every attempt; failed attempts are held for the call in flight. When the call then succeeds,
they were retried past and become incidents. When it fails, all but the last become incidents and the last
becomes a `ProviderError` with a one-line detail (error code and message, or the kind of network failure).
Details never hold credentials: they come from the error code and message AWS returns, or a fixed text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from botocore import xform_name
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from rollout_tui.providers.base import Clock, Incident, IncidentKind, ProviderError

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    }
)
"""Error codes AWS uses to say "slow down" (as botocore's retry checker knows them)."""

_NETWORK_FAILURES: tuple[tuple[type[Exception], str], ...] = (
    (ReadTimeoutError, "read timed out"),
    (ConnectTimeoutError, "connect timed out"),
    (EndpointConnectionError, "could not connect to the endpoint"),
    (ConnectionClosedError, "the endpoint closed the connection"),
)
_MAX_DETAIL = 240


def one_line(text: str) -> str:
    """Whitespace collapsed and cut to a readable length."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= _MAX_DETAIL else flat[: _MAX_DETAIL - 1] + "…"


class AwsCallError(ProviderError):
    """A `ProviderError` from an AWS error response, keeping its error code for callers that expect it."""

    def __init__(self, operation: str, detail: str, *, code: str, throttled: bool, retryable: bool) -> None:
        super().__init__(operation, detail, throttled=throttled, retryable=retryable)
        self.code = code
        """The AWS error code, e.g. `ValidationError`, `InvalidTarget`."""


def error_code(err: ClientError) -> str:
    """The AWS error code of a `ClientError`."""
    return str(err.response.get("Error", {}).get("Code", "Unknown"))


class Caller:
    """Runs AWS calls for the provider and keeps the incidents they met."""

    def __init__(self, clients: dict[str, Any], clock: Clock) -> None:
        self.clients = clients
        """boto3 clients by service name (`autoscaling`, `elbv2`, `cloudwatch`)."""
        self.clock = clock
        """Time stamps for incidents."""
        self._incidents: list[Incident] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        for client in clients.values():
            client.meta.events.register("needs-retry", self._on_attempt)

    def _pending(self) -> list[Incident]:
        pending: list[Incident] | None = getattr(self._local, "pending", None)
        if pending is None:
            pending = self._local.pending = []
        return pending

    def _on_attempt(self, **kwargs: Any) -> None:
        """`needs-retry` hook: note a failed attempt; never changes botocore's retry decision."""
        operation = kwargs["operation"].name
        attempt = int(kwargs.get("attempts") or 1)
        caught = kwargs.get("caught_exception")
        response = kwargs.get("response")
        if caught is not None:
            detail = network_detail(caught)
            data: dict[str, Any] = {"attempt": attempt, "error": type(caught).__name__}
            kind = IncidentKind.ERROR
        elif response is not None and response[0].status_code >= 300:
            status = response[0].status_code
            error = response[1].get("Error", {}) if isinstance(response[1], dict) else {}
            code = str(error.get("Code") or status)
            detail = one_line(f"{code}: {error.get('Message') or 'HTTP ' + str(status)}")
            data = {"attempt": attempt, "status": status, "code": code}
            kind = IncidentKind.THROTTLED if code in THROTTLING_CODES or status == 429 else IncidentKind.ERROR
        else:
            return
        self._pending().append(Incident(kind, operation, detail, self.clock.now(), data))

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """One API call, e.g. `call("autoscaling", "SetDesiredCapacity", ...)`; raises `ProviderError`."""
        client = self.clients[service]
        method: Callable[..., dict[str, Any]] = getattr(client, xform_name(operation))
        return self._run(operation, lambda: method(**params))

    def pages(self, service: str, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a paginated call; raises `ProviderError`."""
        paginator = self.clients[service].get_paginator(xform_name(operation))
        iterator = iter(paginator.paginate(**params))
        while True:
            page = self._run(operation, lambda: next(iterator, None))
            if page is None:
                return
            yield page

    def _run(self, operation: str, thunk: Callable[[], Any]) -> Any:
        pending = self._pending()
        pending.clear()
        try:
            result = thunk()
        except ClientError as err:
            self._keep(pending[:-1])
            raise client_error(operation, err, attempts=max(len(pending), 1)) from None
        except BotoCoreError as err:
            self._keep(pending[:-1])
            raise botocore_error(operation, err, attempts=max(len(pending), 1)) from None
        self._keep(pending)
        return result

    def _keep(self, incidents: list[Incident]) -> None:
        with self._lock:
            self._incidents.extend(incidents)

    def note(self, incident: Incident) -> None:
        """Keep an incident the provider met outside an API call."""
        self._keep([incident])

    def take_incidents(self) -> list[Incident]:
        """Incidents since the last call, oldest first."""
        with self._lock:
            taken, self._incidents = self._incidents, []
        return taken


def network_detail(err: BaseException) -> str:
    """A fixed description of a network failure (the exception text may hold URLs)."""
    for cls, text in _NETWORK_FAILURES:
        if isinstance(err, cls):
            return text
    return one_line(f"{type(err).__name__}")


def client_error(operation: str, err: ClientError, *, attempts: int) -> AwsCallError:
    """A `ProviderError` for an error response."""
    code = error_code(err)
    status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    message = err.response.get("Error", {}).get("Message") or f"HTTP {status}"
    throttled = code in THROTTLING_CODES or status == 429
    retryable = throttled or status >= 500 or status == 0
    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
    return AwsCallError(
        operation, one_line(f"{code}: {message}{tries}"), code=code, throttled=throttled, retryable=retryable
    )


def botocore_error(operation: str, err: BotoCoreError, *, attempts: int) -> ProviderError:
    """A `ProviderError` for a failure before or outside an error response."""
    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
    if isinstance(err, NoCredentialsError | PartialCredentialsError):
        return ProviderError(
            operation,
            "no usable AWS credentials found (standard chain or provider.aws.profile)",
            retryable=False,
        )
    if isinstance(err, NoRegionError):
        return ProviderError(operation, "no region set (provider.aws.region or AWS_REGION)", retryable=False)
    if isinstance(err, ParamValidationError):
        return ProviderError(operation, one_line(str(err)), retryable=False)
    for cls, text in _NETWORK_FAILURES:
        if isinstance(err, cls):
            return ProviderError(operation, f"{text}{tries}", retryable=True)
    return ProviderError(operation, one_line(f"{type(err).__name__}{tries}"), retryable=True)
