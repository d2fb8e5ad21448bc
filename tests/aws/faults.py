"""Fault injection for boto3 clients under moto: a `before-send` hook that answers chosen attempts itself.

moto answers requests from a `before-send` handler too; `Faults` takes its place on one client and passes
every attempt it does not fail on to it, so a failed attempt never reaches moto (no hidden side effects).
botocore then sees the fault as it would from AWS: it parses the response, retries, and gives up as usual.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Literal

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from moto.core.models import botocore_stubber

FaultKind = Literal["throttle", "unavailable", "denied", "read_timeout", "connect_timeout"]

_ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (400, "Throttling", "Rate exceeded"),
    "unavailable": (503, "ServiceUnavailable", "Service is unavailable"),
    "denied": (403, "AccessDenied", "User is not authorized to perform this action"),
}


class _Raw:
    """The `raw` of an `AWSResponse`: something with `stream()`."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


class Faults:
    """Fail the next N attempts of chosen operations of one client."""

    def __init__(self, client: Any) -> None:
        self.protocol: str = client.meta.service_model.resolved_protocol
        """The wire protocol of the client's service (`query`, `json`, ...)."""
        self.planned: dict[str, list[FaultKind]] = defaultdict(list)
        """Faults still to inject, per operation name."""
        self.injected: list[tuple[str, FaultKind]] = []
        """Faults injected so far, in order."""
        client.meta.events.unregister("before-send", botocore_stubber)
        client.meta.events.register("before-send", self._before_send)

    def fail(self, operation: str, kind: FaultKind, times: int = 1) -> Faults:
        """Answer the next `times` attempts of `operation` with `kind`."""
        self.planned[operation].extend([kind] * times)
        return self

    def _before_send(self, request: Any, event_name: str, **kwargs: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if not self.planned[operation]:
            return botocore_stubber(event_name=event_name, request=request, **kwargs)
        kind = self.planned[operation].pop(0)
        self.injected.append((operation, kind))
        if kind == "read_timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if kind == "connect_timeout":
            raise ConnectTimeoutError(endpoint_url=request.url)
        return self._response(request.url, *_ERRORS[kind])

    def _response(self, url: str, status: int, code: str, message: str) -> AWSResponse:
        if self.protocol == "query":
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                "</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
            ).encode()
            headers = {"Content-Type": "text/xml"}
        else:
            body = json.dumps({"__type": code, "message": message}).encode()
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": f"{code};Sender"}
        return AWSResponse(url, status, headers, _Raw(body))
