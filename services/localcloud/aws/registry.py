"""The table of our handlers: (moto service name, operation) -> handler.

A handler takes an AwsRequest and returns a Response tuple (status, headers, body), or None to let
moto answer. It may call `request.to_moto()` to wrap moto's answer.
"""

from __future__ import annotations

from typing import Callable, Optional

from localcloud.server.requests import AwsRequest

Response = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[AwsRequest], Optional[Response]]

_handlers: dict[tuple[str, str], Handler] = {}


def handles(service: str, *operations: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation in operations:
            _handlers[(service, operation)] = handler
        return handler

    return register


def handler_for(service: str, operation: str | None) -> Handler | None:
    if operation is None:
        return None
    return _handlers.get((service, operation))


def services_with_handlers() -> set[str]:
    return {service for service, _ in _handlers}


def json_response(payload: object, status: int = 200) -> Response:
    import json

    body = json.dumps(payload).encode()
    return status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))], body
