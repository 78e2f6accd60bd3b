"""Wake pollers the moment their source has new data, instead of polling on a fixed period.

Producers' model hooks call `notify(source_arn)` (in the producer's thread: it bumps a counter and
notifies, so the producer never waits on a consumer). A poller takes `since = token(arn)` before it
looks for data and, finding none, calls `wait(arn, since, timeout)`, which returns at once if anything
arrived after the token: several pollers (one per shard) can share a source without losing wake-ups.
"""

from __future__ import annotations

import threading

_conditions: dict[str, threading.Condition] = {}
_counts: dict[str, int] = {}
_lock = threading.Lock()


def _condition(source_arn: str) -> threading.Condition:
    condition = _conditions.get(source_arn)
    if condition is None:
        with _lock:
            condition = _conditions.setdefault(source_arn, threading.Condition())
    return condition


def notify(source_arn: str) -> None:
    condition = _condition(source_arn)
    with condition:
        _counts[source_arn] = _counts.get(source_arn, 0) + 1
        condition.notify_all()


def token(source_arn: str) -> int:
    """Take before looking for data."""
    return _counts.get(source_arn, 0)


def wait(source_arn: str, since: int, timeout: float) -> bool:
    """Wait until something was notified after `since`, or `timeout` wall seconds; True if notified."""
    condition = _condition(source_arn)
    with condition:
        return condition.wait_for(lambda: _counts.get(source_arn, 0) != since, timeout)
