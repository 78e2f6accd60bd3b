"""Environments per function version, and the concurrency AWS allows them.

Warm reuse takes the most recently used idle environment (its caches are hottest). Concurrency is
counted per function (reserved concurrency covers all its versions) and per account (the regional
limit); beyond either, a synchronous invoke is throttled and an asynchronous one waits.
https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

from localcloud.runtime.environment import ExecutionEnvironment, Status
from localcloud.runtime.functions import FunctionSpec


class Throttled(Exception):
    """TooManyRequestsException; `reason` is AWS's Reason field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VersionPool:
    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.idle: list[ExecutionEnvironment] = []
        self.members: set[ExecutionEnvironment] = set()


class EnvironmentPools:
    def __init__(self, account_limit: int, spawn: Callable[[FunctionSpec], ExecutionEnvironment]) -> None:
        self.account_limit = account_limit
        self._spawn = spawn
        self._pools: dict[tuple, VersionPool] = {}
        self._in_flight: dict[tuple, int] = defaultdict(int)
        self._total = 0
        self._lock = threading.Condition()

    def acquire(self, spec: FunctionSpec, wait_seconds: float = 0.0) -> tuple[ExecutionEnvironment, bool]:
        """An environment reserved for one invocation, and whether it is a cold start.

        Raises Throttled when over a limit after `wait_seconds` (0 for RequestResponse).
        """
        deadline = time.monotonic() + wait_seconds
        with self._lock:
            while True:
                reason = self._over_limit(spec)
                if reason is None:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Throttled(reason)
                self._lock.wait(min(left, 1.0))
            self._in_flight[spec.function_key] += 1
            self._total += 1
            pool = self._pool_for(spec)
            while pool.idle:
                env = pool.idle.pop()
                if env.status is Status.READY:
                    env.status = Status.BUSY
                    return env, False
        try:
            env = self._spawn(spec)
        except BaseException:
            self._release_count(spec)
            raise
        with self._lock:
            self._pool_for(spec).members.add(env)
        return env, True

    def release(self, spec: FunctionSpec, env: ExecutionEnvironment) -> None:
        with self._lock:
            pool = self._pools.get(spec.key)
            reusable = (env.status is Status.READY and not env.retire_when_idle and pool is not None
                        and env in pool.members)
            if reusable:
                pool.idle.append(env)
        if not reusable:
            env.stop()
        self._release_count(spec)

    def forget(self, env: ExecutionEnvironment) -> None:
        """A worker process ended (crash, timeout, reap): drop it from every pool."""
        with self._lock:
            for pool in self._pools.values():
                pool.members.discard(env)
                if env in pool.idle:
                    pool.idle.remove(env)

    def reap_idle(self, older_than: float) -> int:
        now = time.monotonic()
        with self._lock:
            stale = [env for pool in self._pools.values() for env in pool.idle if now - env.last_used > older_than]
            for pool in self._pools.values():
                pool.idle = [env for env in pool.idle if env not in stale]
        for env in stale:
            env.stop()
        return len(stale)

    def stop_all(self) -> None:
        with self._lock:
            everyone = [env for pool in self._pools.values() for env in pool.members]
            self._pools.clear()
        for env in everyone:
            env.stop()

    def environments(self) -> list[tuple[tuple, ExecutionEnvironment]]:
        with self._lock:
            return [(key, env) for key, pool in self._pools.items() for env in pool.members]

    # -- internals ------------------------------------------------------------------------------------
    def _over_limit(self, spec: FunctionSpec) -> str | None:
        reserved = spec.reserved_concurrency
        if reserved is not None and self._in_flight[spec.function_key] >= reserved:
            return "ReservedFunctionConcurrentInvocationLimitExceeded"
        if self._total >= self.account_limit:
            return "ConcurrentInvocationLimitExceeded"
        return None

    def _pool_for(self, spec: FunctionSpec) -> VersionPool:
        """The pool of this version; a changed code or configuration retires the old environments."""
        pool = self._pools.get(spec.key)
        if pool is None or pool.fingerprint != spec.fingerprint:
            if pool is not None:
                for env in pool.idle:
                    env.stop()
                for env in pool.members:
                    env.retire_when_idle = True
            pool = self._pools[spec.key] = VersionPool(spec.fingerprint)
        return pool

    def _release_count(self, spec: FunctionSpec) -> None:
        with self._lock:
            self._in_flight[spec.function_key] -= 1
            self._total -= 1
            self._lock.notify_all()
