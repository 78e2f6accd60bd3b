"""ReceiveMessage: one receiver at a time per queue, and a cost that follows what it returns.

- moto decides a message is visible, then marks it received, in two steps. Our server answers each request on
  its own thread, so two ReceiveMessage calls on one queue could both see a message visible and both return
  it: a message received twice within its visibility timeout, which SQS does not do for a message that is
  in flight ("Amazon SQS ... prevents other consumers from receiving and processing the message" during its
  visibility timeout: SQS Developer Guide, "Amazon SQS visibility timeout"). Each pass over the queue runs
  under the queue's lock. A long poll does not hold it while it waits: it makes a pass, and waits outside the
  lock for a send (moto's own wait, woken by add_message), then makes another, until its wait time is over.
- moto's `Queue.messages` built the list of every visible message (two clock reads per message) for every
  receive, and again for every long-poll wake-up: O(resident messages) per call. It is a lazy view here:
  a receive stops after the messages it returns (and the in-flight ones before them), `len` still counts all.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import Any

from moto.core.utils import unix_time, unix_time_millis

_locks_lock = threading.Lock()


def queue_lock(queue: Any) -> threading.Lock:
    lock = queue.__dict__.get("_localcloud_receiving")
    if lock is None:
        with _locks_lock:
            lock = queue.__dict__.setdefault("_localcloud_receiving", threading.Lock())
    return lock


class VisibleMessages:
    """What moto's `Queue.messages` returned (visible, not delayed, in queue order), read as it is used."""

    __slots__ = ("_messages",)

    def __init__(self, messages: list[Any]) -> None:
        self._messages = messages

    def __iter__(self) -> Iterator[Any]:
        for message in self._messages:
            now = unix_time_millis()  # per message, as moto's properties read it: a receive marks as it goes
            if now > message.visible_at and not now < message.delayed_until:
                yield message

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None

    def __len__(self) -> int:
        now = unix_time_millis()
        return sum(1 for message in self._messages if now > message.visible_at and not now < message.delayed_until)


def messages(queue: Any) -> VisibleMessages:
    return VisibleMessages(queue._messages)


def _receive_message(original: Any) -> Any:
    @functools.wraps(original)
    def receive_message(self: Any, queue_name: str, count: int, wait_seconds_timeout: int,
                        visibility_timeout: int, message_attribute_names: list[str] | None = None) -> Any:
        queue = self.get_queue(queue_name)
        deadline = unix_time() + (wait_seconds_timeout or 0)
        while True:
            with queue_lock(queue):
                result = original(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
            remaining = deadline - unix_time()
            if result or remaining <= 0:
                return result
            queue.wait_for_messages(min(1.0, remaining))  # as moto's own long poll: wake on a send, or each second

    return receive_message


def _delete_message(original: Any) -> Any:
    """Queue.delete_message: under the queue's lock, so a receive's walk of the in-flight set never sees it
    change size mid-walk (moto raised "Set changed size during iteration")."""
    @functools.wraps(original)
    def delete_message(queue: Any, receipt_handle: str) -> None:
        with queue_lock(queue):
            original(queue, receipt_handle)

    return delete_message


def _change_message_visibility(original: Any) -> Any:
    """SQSBackend.change_message_visibility: under the queue's lock, for the same reason."""
    @functools.wraps(original)
    def change_message_visibility(self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int) -> None:
        with queue_lock(self.get_queue(queue_name)):
            original(self, queue_name, receipt_handle, visibility_timeout)

    return change_message_visibility
