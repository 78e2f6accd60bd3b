"""Accepted-but-undelivered events: one registry, saved in every snapshot, resumed after a restart.

An event is added when it is accepted (inside the request that caused it, so the snapshot that holds
the change holds the event too) and removed only once its delivery finished (delivered, dead-lettered,
or dropped as AWS would). Between the two it may be retried any number of times, and the item may be
updated in place (attempts, the time of the next try). A crash at any point leaves it in the snapshot or
recreated by the journal's replay of its cause: at-least-once. Adding and removing are single dict
operations, so the snapshot's forked child can read the registry without a lock.

    item_id = outbox.add("s3", (arn, body, source, kind))
    ...deliver...
    outbox.done("s3", item_id)
    outbox.register("s3", resume=lambda item_id, item: queue.put((item_id, item)))   # after a restart
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("localcloud.outbox")


class Outbox:
    def __init__(self) -> None:
        self._items: dict[str, dict[str, Any]] = {}
        self._resumers: dict[str, Callable[[str, Any], None]] = {}
        self._restored: dict[str, dict[str, Any]] = {}
        self._finished = threading.Condition()

    def register(self, kind: str, resume: Callable[[str, Any], None]) -> None:
        self._resumers[kind] = resume
        self._items.setdefault(kind, {})

    def add(self, kind: str, item: Any) -> str:
        item_id = uuid.uuid4().hex
        self._items.setdefault(kind, {})[item_id] = item
        return item_id

    def done(self, kind: str, item_id: str) -> None:
        self._items.get(kind, {}).pop(item_id, None)
        with self._finished:
            self._finished.notify_all()

    def pending(self) -> dict[str, int]:
        return {kind: len(items) for kind, items in list(self._items.items()) if items}

    def total(self) -> int:
        return sum(len(items) for items in list(self._items.values()))

    def wait_empty(self, timeout: float) -> bool:
        """Wait until nothing is pending (a clean stop drains within its bound); True when empty."""
        deadline = time.monotonic() + timeout
        with self._finished:
            while self.total():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._finished.wait(min(left, 0.1))
        return True

    # -- snapshot and restore -------------------------------------------------------------------------
    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {kind: dict(items) for kind, items in list(self._items.items()) if items}

    def restore(self, saved: dict[str, dict[str, Any]] | None) -> None:
        self._restored = dict(saved or {})

    def resume(self) -> int:
        """Hand every restored item back to its kind's delivery (after state and journal are restored)."""
        count = 0
        for kind, items in self._restored.items():
            resume = self._resumers.get(kind)
            if resume is None:
                log.error("%d pending %s events were saved but nothing delivers %s events in this version; "
                          "they are dropped", len(items), kind, kind)
                continue
            for item_id, item in items.items():
                self._items.setdefault(kind, {})[item_id] = item
                try:
                    resume(item_id, item)
                    count += 1
                except Exception:
                    log.exception("could not resume the pending %s event %s; it stays saved", kind, item_id)
        self._restored = {}
        if count:
            log.info("resumed %d events accepted before the restart", count)
        return count


outbox = Outbox()
