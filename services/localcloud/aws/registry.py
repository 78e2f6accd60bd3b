"""The table of our handlers: (moto service name, operation) -> handler.

A handler takes an AwsRequest and returns a Response tuple (status, headers, body), or None to let
moto answer. It may call `request.to_moto()` to wrap moto's answer.
"""

from __future__ import annotations

import importlib
import threading
from typing import Callable, Optional

from localcloud.server.requests import AwsRequest

Response = tuple[int, list[tuple[str, str]], bytes]
Handler = Callable[[AwsRequest], Optional[Response]]

_handlers: dict[tuple[str, str], Handler] = {}
# Per service, functions that see every answer (ours or moto's) before it leaves: (request, response) -> response.
Finisher = Callable[[AwsRequest, "Response"], "Response"]
_finishers: dict[str, list[Finisher]] = {}
# Per service, checks that run before any handler or moto and may answer instead: (request) -> response or None.
Screen = Callable[[AwsRequest], Optional["Response"]]
_screens: dict[str, list[Screen]] = {}
_services_loaded: dict[str, bool] = {}
_load_lock = threading.Lock()
# The package under localcloud.aws that holds a service's handlers, where it is not the moto name.
PACKAGE_FOR_SERVICE = {"awslambda": "lambda_", "lambda": "lambda_"}


def handles(service: str, *operations: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for operation in operations:
            _handlers[(service, operation)] = handler
        return handler

    return register


def finishes(service: str) -> Callable[[Finisher], Finisher]:
    """Register a function that rewrites every answer of `service` (AWS's response shape for a whole class
    of operations: error bodies, status codes, fields the model defines), whoever produced it."""
    def register(finisher: Finisher) -> Finisher:
        _finishers.setdefault(service, []).append(finisher)
        return finisher

    return register


def screens(service: str) -> Callable[[Screen], Screen]:
    """Register a check every request of `service` passes before its handler (a rule AWS applies to a whole
    class of operations, such as a function ARN of another region)."""
    def register(screen: Screen) -> Screen:
        _screens.setdefault(service, []).append(screen)
        return screen

    return register


def screen(service: str, request: AwsRequest) -> "Response | None":
    for check in _screens.get(service, ()):
        answer = check(request)
        if answer is not None:
            return answer
    return None


def finish(service: str, request: AwsRequest, response: "Response") -> "Response":
    for finisher in _finishers.get(service, ()):
        response = finisher(request, response)
    return response


def handler_for(service: str, operation: str | None) -> Handler | None:
    if operation is None:
        return None
    return _handlers.get((service, operation))


def load_service(service: str) -> bool:
    """Import localcloud.aws.<service> the first time the service is asked for; True if it has handlers.

    Lazy, because handler modules may import moto's service models, and some (RDS pulls in EC2) take
    over a second to import: start-up should not pay for services a run never calls.
    """
    if service not in _services_loaded:
        with _load_lock:
            if service not in _services_loaded:
                module = f"localcloud.aws.{PACKAGE_FOR_SERVICE.get(service, service)}"
                try:
                    importlib.import_module(module)
                except ModuleNotFoundError as exc:
                    if exc.name != module:
                        raise
                _services_loaded[service] = True
    return service in _finishers or service in _screens or any(registered == service for registered, _ in _handlers)


def json_response(payload: object, status: int = 200) -> Response:
    import json

    body = json.dumps(payload).encode()
    return status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))], body
