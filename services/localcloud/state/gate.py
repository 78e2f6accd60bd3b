"""The request gate: a readers-writer lock with writer preference.

Every journaled request holds it shared while moto applies it and the journal records it, so a snapshot
that holds it alone sees no request half-applied and knows exactly which journal entries it contains.
The snapshot holds it only for a fork (a few milliseconds), never while it pickles.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Gate:
    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._sharing = 0
        self._writer_waiting = 0
        self._writing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writer_waiting:
                self._condition.wait()
            self._sharing += 1
        try:
            yield
        finally:
            with self._condition:
                self._sharing -= 1
                if not self._sharing:
                    self._condition.notify_all()

    @contextmanager
    def exclusive(self, timeout: float = 5.0) -> Iterator[None]:
        """Hold the gate alone. Gives up with TimeoutError after `timeout` (a request that waits, while
        holding the gate, for another request must not deadlock the snapshot; it is retried later)."""
        with self._condition:
            self._writer_waiting += 1
            try:
                if not self._condition.wait_for(lambda: not (self._writing or self._sharing), timeout):
                    raise TimeoutError(f"requests still held the state gate after {timeout:.0f} s")
            finally:
                self._writer_waiting -= 1
                if not self._writing:
                    self._condition.notify_all()
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()
