"""MemorySize, enforced: the resident memory of each environment's process tree, sampled; over the limit,
the environment is killed and its invocation fails as AWS reports it (Runtime.OutOfMemory, "Runtime exited
with error: signal: killed", Max Memory Used at the limit).

Why sampling RSS and not a cgroup or RLIMIT_AS: a user's processes rarely have a writable cgroup (v2
delegation is opt-in, v1 needs root), and RLIMIT_AS counts address space, which pyarrow and numpy reserve
far beyond what they touch, so a 1 GB function with the pyarrow layer would fail to import. RSS is what
AWS's cgroup charges, near enough; a busy environment is sampled every 10 ms, so an allocation is caught
within a few MB of the limit at the rates Python allocates.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Protocol

BUSY_SAMPLE_SECONDS = 0.01  # starting or running an invocation
IDLE_SAMPLE_SECONDS = 0.25  # waiting in `next`: only background threads can grow
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, from /proc/<pid>/task/<tid>/children (no scan of all of /proc)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
            except (OSError, ValueError):
                pass
    return found


def resident_mb(pid: int) -> float:
    """Resident memory of the tree rooted at `pid`, in MB (0 when it is gone)."""
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/statm") as statm:
                total += int(statm.read().split()[1])
        except (OSError, ValueError, IndexError):
            pass
    return total * PAGE_MB


def peak_mb(pid: int) -> float:
    """The largest VmHWM (peak resident memory) in the tree: catches a spike between two samples."""
    peak = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
                        break
        except (OSError, ValueError, IndexError):
            pass
    return peak / 1024


class Watched(Protocol):
    """What the watch needs of an environment (ExecutionEnvironment provides it)."""

    peak_rss_mb: float

    @property
    def pid(self) -> int | None: ...

    @property
    def memory_mb(self) -> int: ...

    @property
    def busy(self) -> bool: ...

    def out_of_memory(self, rss_mb: float) -> None: ...


class MemoryWatch:
    """One thread for every environment of the server."""

    def __init__(self) -> None:
        self._watched: dict[object, float] = {}  # environment -> next sample time
        self._lock = threading.Condition()  # the thread sleeps on it while nothing is watched
        self._thread: threading.Thread | None = None
        self.enabled = os.path.isdir("/proc/self/task")  # Linux; elsewhere no limit is enforced

    def watch(self, env: Watched) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._watched[env] = 0.0
            self._lock.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="lambda-memory", daemon=True)
                self._thread.start()

    def forget(self, env: Watched) -> None:
        with self._lock:
            self._watched.pop(env, None)

    def _loop(self) -> None:
        while True:
            time.sleep(BUSY_SAMPLE_SECONDS)
            now = time.monotonic()
            with self._lock:
                while not self._watched:
                    self._lock.wait()
                due = [env for env, at in self._watched.items() if at <= now]
            for env in due:
                self._sample(env, now)

    def _sample(self, env: Watched, now: float) -> None:
        pid = env.pid
        if pid is None:
            return
        rss = resident_mb(pid)
        env.peak_rss_mb = max(env.peak_rss_mb, rss)
        with self._lock:
            if env in self._watched:
                self._watched[env] = now + (BUSY_SAMPLE_SECONDS if env.busy else IDLE_SAMPLE_SECONDS)
        if env.memory_mb and rss > env.memory_mb:
            self.forget(env)
            env.out_of_memory(rss)


WATCH = MemoryWatch()
