"""The Lambda Runtime API each worker's awslambdaric talks to, on the main server under a per-environment
path prefix: AWS_LAMBDA_RUNTIME_API="127.0.0.1:PORT/_localcloud/lambda-runtime/<environment id>".

Why a prefix on the main server and not a listener per environment: awslambdaric's C client accepts
the prefix as is (measured: 0.44 ms from `next` answered to response received, same as a bare
http.server with TCP_NODELAY), it costs no port per environment, and our server already sends each
answer in one write with Nagle off. The one call that goes through http.client (init error) gets the
prefix in worker_bootstrap.py.
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from localcloud.runtime.environment import ExecutionEnvironment
from localcloud.runtime.invocation import RUNTIME_API_PREFIX

API = "/2018-06-01/runtime/"
ACCEPTED = b'{"status":"OK"}'


def _answer(start_response: Callable[..., Any], status: str, body: bytes,
            headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    # awslambdaric 4.2.2 crashes (SIGSEGV) on a `next` answer without Content-Type: always send one.
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                            *(headers or [])])
    return [body]


def _error_document(body: bytes, error_type: str | None) -> dict:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        document = {"errorMessage": body.decode("utf-8", "replace")}
    if not isinstance(document, dict):
        document = {"errorMessage": str(document)}
    document.setdefault("errorType", error_type or "Unhandled")
    document.setdefault("errorMessage", "")
    return document


class RuntimeApi:
    """`environment(env_id)` finds a running execution environment (the service's lookup, injected)."""

    def __init__(self, environment: Callable[[str], ExecutionEnvironment | None]) -> None:
        self.environment = environment

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "")[len(RUNTIME_API_PREFIX):]
        env_id, _, rest = path.partition("/")
        env = self.environment(env_id)
        if env is None:
            return _answer(start_response, "410 Gone", b'{"errorType":"Runtime.Gone","errorMessage":'
                                                       b'"this execution environment was retired"}')
        rest = "/" + rest
        if not rest.startswith(API):
            return _answer(start_response, "404 Not Found", b'{"errorMessage":"unknown runtime API path"}')
        route = rest[len(API):]
        method = environ["REQUEST_METHOD"]
        body = environ["wsgi.input"].read()
        if method == "GET" and route == "invocation/next":
            invocation = env.next_invocation()
            if invocation is None:  # the environment is stopping; the worker is being killed
                return _answer(start_response, "410 Gone", b'{"errorMessage":"environment stopped"}')
            headers = [("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
                       ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
                       ("Lambda-Runtime-Invoked-Function-Arn", invocation.invoked_arn),
                       ("Lambda-Runtime-Trace-Id", f"Root=1-{invocation.request_id[:8]}-{invocation.request_id.replace('-', '')[:24]};Sampled=0")]
            if invocation.client_context:
                headers.append(("Lambda-Runtime-Client-Context", invocation.client_context))
            return _answer(start_response, "200 OK", invocation.payload, headers)
        if method == "POST" and route.startswith("invocation/"):
            request_id, _, outcome = route[len("invocation/"):].partition("/")
            if outcome == "response":
                known = env.complete(request_id, response=body)
            elif outcome == "error":
                error_type = environ.get("HTTP_LAMBDA_RUNTIME_FUNCTION_ERROR_TYPE")
                known = env.complete(request_id, error=_error_document(body, error_type))
            else:
                known = False
            if not known:
                return _answer(start_response, "400 Bad Request",
                               b'{"errorType":"InvalidRequestID","errorMessage":"unknown or finished request"}')
            return _answer(start_response, "202 Accepted", ACCEPTED)
        if method == "POST" and route == "init/error":
            env.fail_init(_error_document(body, environ.get("HTTP_LAMBDA_RUNTIME_FUNCTION_ERROR_TYPE")))
            return _answer(start_response, "202 Accepted", ACCEPTED)
        return _answer(start_response, "404 Not Found", b'{"errorMessage":"unknown runtime API path"}')
