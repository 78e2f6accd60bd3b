"""Asynchronous invocation (InvocationType=Event): a queue per function, retries, then DLQ and destinations.

AWS: on a function error the event is retried twice (about 1 min, then 2 min later) within
MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (60-21600); throttles wait and retry until the
event is too old. Back-off runs on the local clock (LOCALCLOUD_CLOCK_SPEED), so tests can be fast.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html

Every queued event is in the outbox (localcloud.state.outbox) until it is done, with its attempts and
the wall time of its next try, so a restart resumes it where it was: retries keep their schedule.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from localcloud.runtime.functions import FunctionNotFound, FunctionSpec
from localcloud.runtime.invocation import AsyncEvent, InvocationResult
from localcloud.runtime.pool import Throttled
from localcloud.state.outbox import outbox

log = logging.getLogger("localcloud.lambda.async")

DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
RETRY_DELAYS = (60.0, 120.0)  # local seconds before the first and second retry
THROTTLE_DELAY = 1.0
WORKERS_PER_FUNCTION = 4  # environments one function's queue may keep busy at once
OUTBOX_KIND = "lambda-async"


Resolve = Callable[[str, "str | None", str, str], FunctionSpec]  # (arn, qualifier, account, region) -> spec
Run = Callable[..., InvocationResult]  # run(spec, payload, invoked_arn, *, wait_seconds, request_id)


@dataclass(frozen=True)
class Outcomes:
    """Where a finished event goes (runtime/destinations.py): on_success(event, result) and
    on_failure(event, condition, result, error)."""
    on_success: Callable[[AsyncEvent, InvocationResult], None]
    on_failure: Callable[..., None]


class AsyncInvoker:
    """The queues of asynchronous invocations. It runs functions through the callables it is given
    (the service's resolve and run) and hands finished events to `outcomes`: it imports none of them."""

    def __init__(self, resolve: Resolve, run: Run, outcomes: Outcomes, clock_speed: float) -> None:
        self.resolve, self.run, self.outcomes = resolve, run, outcomes
        self.clock_speed = max(clock_speed, 1e-6)
        self._queues: dict[tuple, deque[AsyncEvent]] = defaultdict(deque)
        self._workers: dict[tuple, int] = defaultdict(int)
        self._later: list[tuple[float, int, AsyncEvent]] = []
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._stopping = False
        self.in_flight = 0  # queued, scheduled or running: what `drain` waits for

    def start(self) -> None:
        outbox.register(OUTBOX_KIND, self._resume)
        threading.Thread(target=self._scheduler, name="lambda-async-scheduler", daemon=True).start()

    def _resume(self, item_id: str, saved: dict) -> None:
        """A queued event saved before the restart: back in its queue, or scheduled for its next try."""
        try:
            spec = self.resolve(saved["function_arn"], saved["qualifier"], saved["account_id"],
                                        saved["region"])
        except FunctionNotFound:
            log.warning("dropped saved async event %s: function %s no longer exists", saved["request_id"],
                        saved["function_arn"])
            outbox.done(OUTBOX_KIND, item_id)
            return
        event = AsyncEvent(saved["request_id"], spec, saved["qualifier"], saved["payload"], saved["enqueued_at"],
                           saved["attempts"], saved, item_id)
        with self._lock:
            self.in_flight += 1
        wait = (saved.get("next_try_at") or 0) - time.time()
        if wait > 0:
            self._later_at(event, wait * self.clock_speed)
        else:
            self._submit(event)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()

    def enqueue(self, spec: FunctionSpec, payload: bytes, qualifier: str | None = None) -> str:
        event = AsyncEvent(str(uuid.uuid4()), spec, qualifier, payload)
        event.remember()
        event.outbox_id = outbox.add(OUTBOX_KIND, event.saved)
        with self._lock:
            self.in_flight += 1
        self._submit(event)
        return event.request_id

    def drain(self, timeout: float) -> bool:
        """Wait until every queued event has finished (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.in_flight and time.monotonic() < deadline:
                self._lock.wait(0.05)
            return self.in_flight == 0

    # -- internals ------------------------------------------------------------------------------------
    def _submit(self, event: AsyncEvent) -> None:
        key = event.spec.function_key
        limit = WORKERS_PER_FUNCTION
        if event.spec.reserved_concurrency is not None:
            limit = max(1, min(limit, event.spec.reserved_concurrency))
        with self._lock:
            self._queues[key].append(event)
            if self._workers[key] < limit:
                self._workers[key] += 1
                threading.Thread(target=self._work, args=(key,), name="lambda-async", daemon=True).start()

    def _later_at(self, event: AsyncEvent, local_seconds: float) -> None:
        event.remember(next_try_at=time.time() + local_seconds / self.clock_speed)
        with self._lock:
            heapq.heappush(self._later, (time.monotonic() + local_seconds / self.clock_speed, next(self._order),
                                         event))
            self._lock.notify_all()

    def _scheduler(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                now = time.monotonic()
                due = []
                while self._later and self._later[0][0] <= now:
                    due.append(heapq.heappop(self._later)[2])
                wait = (self._later[0][0] - now) if self._later else 1.0
                if not due:
                    self._lock.wait(min(wait, 1.0))
            for event in due:
                self._submit(event)

    def _work(self, key: tuple) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue or self._stopping:
                    self._workers[key] -= 1
                    return
                event = queue.popleft()
            try:
                finished = self._attempt(event)
            except Exception:
                log.exception("async invoke of %s failed in localcloud itself", event.spec.name)
                finished = True
            if finished:
                outbox.done(OUTBOX_KIND, event.outbox_id)
                with self._lock:
                    self.in_flight -= 1
                    self._lock.notify_all()

    def _attempt(self, event: AsyncEvent) -> bool:
        """Run once; True when the event is done (success, DLQ, destination or dropped)."""
        config = event.spec.event_invoke_config
        max_age = config.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE)
        max_retries = config.get("MaximumRetryAttempts", DEFAULT_RETRIES)
        age = (time.time() - event.enqueued_at) * self.clock_speed
        try:
            spec = self.resolve(event.spec.function_arn, event.qualifier, event.spec.account_id,
                                        event.spec.region)
        except FunctionNotFound:
            log.warning("dropped async event %s: function %s was deleted", event.request_id, event.spec.name)
            return True
        event.spec = spec
        if age > max_age:
            self.outcomes.on_failure(event, "EventAgeExceeded", None)
            return True
        invoked_arn = spec.function_arn + (f":{event.qualifier}" if event.qualifier else "")
        try:
            result = self.run(spec, event.payload, invoked_arn, wait_seconds=0.0,
                                      request_id=event.request_id)
        except Throttled:
            self._later_at(event, THROTTLE_DELAY * self.clock_speed)  # a real second: capacity frees in real time
            return False
        except Exception as exc:  # noqa: BLE001  InvalidRuntime, runtime not prepared: a failure AWS would report too
            result = None
            error = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        else:
            error = result.error
        event.attempts += 1
        event.remember()
        if error is None:
            self.outcomes.on_success(event, result)
            return True
        if event.attempts <= max_retries:
            delay = RETRY_DELAYS[min(event.attempts - 1, len(RETRY_DELAYS) - 1)]
            if age + delay <= max_age:
                self._later_at(event, delay)
                return False
            self.outcomes.on_failure(event, "EventAgeExceeded", result, error)
            return True
        self.outcomes.on_failure(event, "RetriesExhausted", result, error)
        return True
