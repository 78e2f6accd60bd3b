"""What the runtime's parts pass each other: an invocation's result and a queued asynchronous event.

A leaf module (it imports only functions.py), so the service, the async queue, the destinations and the
Runtime API can share these types without importing each other: the service wires them together with
callables (runtime/service.py), and nothing below it imports it back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from localcloud.runtime.functions import FunctionSpec

RUNTIME_API_PREFIX = "/_localcloud/lambda-runtime/"  # where workers' awslambdaric reach the Runtime API


@dataclass
class InvocationResult:
    request_id: str
    status_code: int  # 200 RequestResponse, 202 Event, 204 DryRun
    payload: bytes = b""
    function_error: str | None = None  # "Unhandled" when the function failed
    executed_version: str = "$LATEST"
    log_result: str | None = None  # base64 tail, with LogType=Tail
    error: dict[str, Any] | None = field(default=None, repr=False)


@dataclass
class AsyncEvent:
    request_id: str
    spec: FunctionSpec
    qualifier: str | None
    payload: bytes
    enqueued_at: float = field(default_factory=time.time)
    attempts: int = 0
    saved: dict = field(default_factory=dict)  # its outbox record: what a restart needs to resume it
    outbox_id: str = ""

    def remember(self, next_try_at: float | None = None) -> None:
        """Keep the outbox record current (in place: the snapshot reads it without a lock)."""
        self.saved.update(request_id=self.request_id, function_arn=self.spec.function_arn,
                          account_id=self.spec.account_id, region=self.spec.region, qualifier=self.qualifier,
                          payload=self.payload, enqueued_at=self.enqueued_at, attempts=self.attempts,
                          next_try_at=next_try_at)
