"""Wake a poller the moment its source has new data, instead of polling on a fixed period.

Producers' model hooks call `notify(source_arn)` (in the producer's thread: it only sets an Event, so
the producer never waits on a consumer); pollers `wait(source_arn, timeout)` after finding nothing.
"""

from __future__ import annotations

import threading

_events: dict[str, threading.Event] = {}
_lock = threading.Lock()


def _event(source_arn: str) -> threading.Event:
    event = _events.get(source_arn)
    if event is None:
        with _lock:
            event = _events.setdefault(source_arn, threading.Event())
    return event


def notify(source_arn: str) -> None:
    _event(source_arn).set()


def clear(source_arn: str) -> None:
    """Call before looking for data, so a notify that lands after the look is not lost."""
    _event(source_arn).clear()


def wait(source_arn: str, timeout: float) -> bool:
    return _event(source_arn).wait(timeout)
