"""FIFO queue semantics where moto 5.2.5 differs from AWS (SQS Developer Guide, "FIFO queue delivery logic",
"Using the message deduplication ID", "FIFO queue message group ID"):

- A message group is locked only by in-flight messages that come before its visible ones. moto keeps a
  received message in its pending set until the next receive walks past it, so after a visibility timeout
  the group's first messages were skipped as "still pending" and a later one delivered first: order broken.
- Deduplication lasts five minutes from the first send, whatever happened to that message since (received,
  deleted): "any messages sent with the same message deduplication ID are accepted successfully but aren't
  delivered during the 5-minute deduplication interval". moto compared only with messages still in the
  queue. The scope is the queue, or the message group with DeduplicationScope=messageGroup (high
  throughput). PurgeQueue empties the deduplication record too, as AWS does.
- Every FIFO message has a SequenceNumber, increasing (API_SendMessage).
- FIFO queues have no per-message delay: "FIFO queues don't support timers on individual messages"; the
  queue's DelaySeconds applies (API_SendMessage, DelaySeconds), also when a message says 0.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.core.utils import unix_time

DEDUPLICATION_INTERVAL_SECONDS = 300
_lock = threading.Lock()


class _NeverEqual:
    """Stands in for a deduplication id while moto's own (queue-wide, in-queue only) check runs."""

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


def _dedup_record(queue: Any) -> dict[tuple[str | None, str], float]:
    record = getattr(queue, "localcloud_deduplication", None)
    if record is None:
        record = queue.localcloud_deduplication = {}
    return record


def _dedup_key(queue: Any, message: Any) -> tuple[str | None, str]:
    scope = getattr(queue, "deduplication_scope", "queue")
    return (message.group_id if scope == "messageGroup" else None, message.deduplication_id)


def _add_message(original: Any) -> Any:
    @functools.wraps(original)
    def add_message(self: Any, message: Any) -> None:
        if not self.fifo_queue or not message.deduplication_id:
            return original(self, message)
        now = unix_time()
        key = _dedup_key(self, message)
        with _lock:
            record = _dedup_record(self)
            for stale in [k for k, sent in record.items() if now - sent >= DEDUPLICATION_INTERVAL_SECONDS]:
                del record[stale]
            if key in record:
                return None  # accepted, not delivered: a duplicate within the interval
            record[key] = now
        deduplication_id = message.deduplication_id
        message.deduplication_id = _NeverEqual()
        try:
            return original(self, message)
        finally:
            message.deduplication_id = deduplication_id

    add_message.__localcloud_fifo__ = original  # type: ignore[attr-defined]
    return add_message


def release_expired_groups(queue: Any) -> None:
    """A message whose visibility timeout ran out is no longer in flight. A group's visible messages that
    come before all of its in-flight ones may be received again: "the extended message and all messages
    within the same group that come after it are invisible" (recorded from AWS). moto locks a group while
    any of its messages is pending, so the group's in-flight messages leave the pending set then (they stay
    invisible; only the lock is released). A group with a visible message after an in-flight one stays
    locked, so order is never broken."""
    if not queue.fifo_queue:
        return
    for message in [m for m in queue.pending_messages if m.visible]:
        queue.pending_messages.discard(message)
    locked = {m.group_id for m in queue.pending_messages}
    for group in locked:
        in_group = [m for m in queue._messages if m.group_id == group]
        states = [m.visible for m in in_group]
        leading_visible = states and states[0] and states == sorted(states, reverse=True)
        if leading_visible:
            for message in in_group:
                queue.pending_messages.discard(message)


def next_sequence_number(queue: Any) -> str:
    """Every FIFO message gets a SequenceNumber, "a large, non-consecutive number that Amazon SQS assigns to
    each message", increasing within the queue (API_SendMessage); moto gave one only with an explicit
    deduplication id, and at random."""
    with _lock:
        last = getattr(queue, "localcloud_sequence", 0)
        current = max(last + 1, int(unix_time() * 1_000_000) * 1000)
        queue.localcloud_sequence = current
    return f"{current:020d}"


def _receive_message(original: Any) -> Any:
    @functools.wraps(original)
    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        release_expired_groups(self.get_queue(queue_name))
        return original(self, queue_name, *args, **kwargs)

    receive_message.__localcloud_fifo__ = original  # type: ignore[attr-defined]
    return receive_message


def _send_message(original: Any) -> Any:
    @functools.wraps(original)
    def send_message(self: Any, queue_name: str, message_body: Any, message_attributes: Any = None,
                     delay_seconds: Any = None, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        if queue.fifo_queue and delay_seconds is not None and int(delay_seconds) == 0:
            delay_seconds = None  # the queue's delay (a non-zero one moto rejects, as AWS does)
        message = original(self, queue_name, message_body, message_attributes, delay_seconds, *args, **kwargs)
        if queue.fifo_queue:
            message.sequence_number = next_sequence_number(queue)
        return message

    send_message.__localcloud_fifo__ = original  # type: ignore[attr-defined]
    return send_message


def _purge_queue(original: Any) -> Any:
    @functools.wraps(original)
    def purge_queue(self: Any, queue_name: str) -> None:
        original(self, queue_name)
        with _lock:
            _dedup_record(self.get_queue(queue_name)).clear()

    purge_queue.__localcloud_fifo__ = original  # type: ignore[attr-defined]
    return purge_queue
