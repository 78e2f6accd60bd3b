"""One execution environment: a worker process running awslambdaric against our Runtime API.

Status moves STARTING -> READY <-> BUSY -> STOPPED (or FAILED when init fails). The invoker hands an
Invocation to `invoke`; the Runtime API thread hands it to the worker (`next_invocation`) and records
its outcome (`complete`, `fail_init`); the process watcher turns a dead worker into Runtime.ExitError,
or Runtime.OutOfMemory when the memory watch (memory.py) killed it for exceeding MemorySize.
"""

from __future__ import annotations

import enum
import os
import queue
import select
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.runtime import memory

INIT_TIMEOUT_SECONDS = 10.0  # AWS: the init phase of an on-demand function is limited to 10 s


class Status(enum.Enum):
    STARTING = "STARTING"  # process spawned, handler module importing
    READY = "READY"  # idle, waiting in `next`
    BUSY = "BUSY"  # running an invocation
    STOPPED = "STOPPED"  # process gone (reaped, retired, crashed or timed out)
    FAILED = "FAILED"  # init failed; never reused


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    invoked_arn: str
    client_context: str | None = None
    picked: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes | None = None
    error: dict | None = None  # {errorMessage, errorType, stackTrace}
    output: bytearray = field(default_factory=bytearray)  # the worker's stdout/stderr during the call
    deadline_ms: int = 0
    started: float = 0.0
    finished: float = 0.0
    init_duration_ms: float | None = None
    max_memory_mb: int = 0
    timed_out: bool = False


@dataclass
class EnvironmentConfig:
    command: list[str]
    cwd: Path
    env: dict[str, str]
    timeout: float
    log_stream: str
    memory_mb: int = 0  # MemorySize; 0: no limit
    # Forks the environment from a template (template.py) instead of spawning `command`; None when the
    # template cannot (then `command` is spawned: a template never fails an invoke).
    fork: Callable[[], Any] | None = None


class ExecutionEnvironment:
    def __init__(self, config: EnvironmentConfig, on_gone: Callable[[ExecutionEnvironment], None]) -> None:
        self.id = uuid.uuid4().hex
        self.config = config
        self.status = Status.STARTING
        self.last_used = time.monotonic()
        self.retire_when_idle = False
        self._on_gone = on_gone
        self._inbox: queue.Queue[Invocation | None] = queue.Queue(maxsize=1)
        self._current: Invocation | None = None
        self._lock = threading.Lock()  # guards the pipe reads and _current
        self._spawned = 0.0
        self._init_done = False
        self.init_error: dict | None = None
        self.init_duration_ms: float | None = None
        self.init_output = bytearray()  # output before the first invocation (AWS logs it before START)
        self.process: subprocess.Popen | None = None  # or a template.ForkedProcess
        self.peak_rss_mb = 0.0  # largest sample of the process tree's resident memory (memory.py)
        self.killed_for_memory = False

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        self._spawned = time.perf_counter()
        self.process = self.config.fork() if self.config.fork is not None else None
        if self.process is None:
            self.process = subprocess.Popen(self.config.command, cwd=self.config.cwd, env=self.config.env,
                                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        os.set_blocking(self.process.stdout.fileno(), False)
        threading.Thread(target=self._pump_output, name=f"lambda-out-{self.id[:8]}", daemon=True).start()
        threading.Thread(target=self._watch, name=f"lambda-watch-{self.id[:8]}", daemon=True).start()
        memory.WATCH.watch(self)

    def stop(self) -> None:
        """Kill the worker (retire, reap, timeout); the watcher does the bookkeeping."""
        if self.status is not Status.FAILED:
            self.status = Status.STOPPED  # before the kill lands, so nobody reuses it meanwhile
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._wake()

    def _wake(self) -> None:
        try:
            self._inbox.put_nowait(None)  # unblocks a Runtime API thread waiting in `next`
        except queue.Full:
            pass

    @property
    def pid(self) -> int | None:
        """The process MemorySize measures (a forked environment's worker, not its keeper)."""
        if self.process is None:
            return None
        return getattr(self.process, "memory_pid", None) or self.process.pid

    @property
    def memory_mb(self) -> int:
        return self.config.memory_mb

    @property
    def busy(self) -> bool:
        return self.status in (Status.STARTING, Status.BUSY)

    def out_of_memory(self, rss_mb: float) -> None:
        """Called by the memory watch: the tree's RSS passed MemorySize. AWS stops the environment."""
        self.killed_for_memory = True
        self.stop()

    def max_memory_used_mb(self) -> int:
        """REPORT's Max Memory Used: the measured peak of the whole tree (the sandbox's unshare, the worker
        and anything it started); the limit itself when the environment was killed for passing it, as AWS
        reports it."""
        if self.killed_for_memory and self.config.memory_mb:
            return self.config.memory_mb
        peak = max(self.peak_rss_mb, memory.peak_mb(self.pid) if self.pid else 0.0)
        return max(1, round(peak)) if peak else 0

    def note(self, line: str) -> bool:
        """Add a line of localcloud's own to the running invocation's log (an IAM denial of its call)."""
        with self._lock:
            invocation = self._current
            if invocation is None or invocation.done.is_set():
                return False
            self._drain_locked()  # the function's own output so far comes first
            invocation.output.extend(line.encode("utf-8", "replace") + b"\n")
            return True

    # -- invoker side ---------------------------------------------------------------------------------
    def invoke(self, invocation: Invocation) -> None:
        """Run one invocation to its end: response, error, timeout or crash. Never raises for those."""
        with self._lock:
            self._current = invocation
        self.status = Status.BUSY
        self._inbox.put(invocation)
        picked = invocation.picked.wait(INIT_TIMEOUT_SECONDS if not self._init_done else 5.0)
        if not picked and not invocation.done.is_set():
            self._finish(invocation, error=self._exit_error(invocation, "init did not finish in time"))
            self.stop()
        remaining = max(0.0, invocation.deadline_ms / 1000 - time.time())
        if not invocation.done.wait(remaining + 0.05):
            invocation.timed_out = True
            self.stop()  # AWS replaces an environment whose invocation timed out
            seconds = f"{self.config.timeout:.2f}"
            self._finish(invocation, error={
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {invocation.request_id} Error: Task timed out after {seconds} seconds"})
        invocation.max_memory_mb = self.max_memory_used_mb()
        if self.status is Status.BUSY:
            self.status = Status.READY
        self.last_used = time.monotonic()

    # -- Runtime API side -----------------------------------------------------------------------------
    def next_invocation(self) -> Invocation | None:
        """Block until there is work (the worker's GET .../invocation/next); None when stopping."""
        if not self._init_done:
            self._init_done = True
            self.init_duration_ms = (time.perf_counter() - self._spawned) * 1000
            if self.status is Status.STARTING:
                self.status = Status.READY
        invocation = self._inbox.get()
        if invocation is None:
            return None
        invocation.init_duration_ms, self.init_duration_ms = self.init_duration_ms, None
        invocation.started = time.perf_counter()
        invocation.deadline_ms = int(time.time() * 1000 + self.config.timeout * 1000)
        invocation.picked.set()
        return invocation

    def complete(self, request_id: str, response: bytes | None = None, error: dict | None = None) -> bool:
        invocation = self._current
        if invocation is None or invocation.request_id != request_id:
            return False
        self._finish(invocation, response=response, error=error)
        return True

    def fail_init(self, error: dict) -> None:
        """The worker reported an init error (import, syntax, handler not found); it exits next."""
        self.init_error = error
        self.status = Status.FAILED
        invocation = self._current
        if invocation is not None and not invocation.done.is_set():
            invocation.picked.set()
            self._finish(invocation, error=error)

    # -- internals ------------------------------------------------------------------------------------
    def _finish(self, invocation: Invocation, response: bytes | None = None, error: dict | None = None) -> None:
        with self._lock:
            if invocation.done.is_set():
                return
            self._drain_locked()
            invocation.response, invocation.error = response, error
            invocation.finished = time.perf_counter()
            if self._current is invocation:
                self._current = None
            invocation.done.set()

    def _drain_locked(self) -> None:
        """Read what the worker wrote so far: its prints precede its response POST, so they are in the pipe."""
        stream = self.process.stdout if self.process else None
        if stream is None:
            return
        while True:
            try:
                chunk = os.read(stream.fileno(), 65536)
            except BlockingIOError:
                return
            except (OSError, ValueError):
                return
            if not chunk:
                return
            current = self._current
            target = current.output if current is not None and current.picked.is_set() else self.init_output
            target.extend(chunk)

    def _pump_output(self) -> None:
        stream = self.process.stdout
        while True:
            try:
                readable, _, _ = select.select([stream], [], [], 1.0)
            except (OSError, ValueError):
                return
            if readable:
                with self._lock:
                    self._drain_locked()
            if self.process.poll() is not None:
                with self._lock:
                    self._drain_locked()
                return

    def _watch(self) -> None:
        code = self.process.wait()
        memory.WATCH.forget(self)
        with self._lock:
            self._drain_locked()
            invocation = self._current
        if self.status is not Status.FAILED:
            self.status = Status.STOPPED
        if invocation is not None and not invocation.done.is_set():
            invocation.picked.set()
            self._finish(invocation, error=self.init_error or self._exit_error(invocation, code,
                                                                                self.killed_for_memory))
        self._wake()
        self._on_gone(self)

    @staticmethod
    def _exit_error(invocation: Invocation, code: int | str, out_of_memory: bool = False) -> dict:
        if isinstance(code, int) and code < 0:
            # AWS's runtime is Go and words signals as strsignal does: "signal: killed", "signal: aborted".
            reason = f"signal: {(signal.strsignal(-code) or signal.Signals(-code).name).lower()}"
        elif isinstance(code, int):
            reason = f"exit status {code}"
        else:
            reason = code
        # AWS: errorType Runtime.OutOfMemory for an environment stopped at its memory limit, with the same
        # message as any other exit ("Runtime exited with error: signal: killed").
        return {"errorType": "Runtime.OutOfMemory" if out_of_memory else "Runtime.ExitError",
                "errorMessage": f"RequestId: {invocation.request_id} Error: Runtime exited with error: {reason}"}
