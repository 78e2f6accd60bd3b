"""Services changed outside a request (deliveries, pollers, logs), so the next snapshot pickles them anew.

Requests mark their own service; background work that writes into moto directly calls `mark("sqs")`.
"""

from __future__ import annotations

from collections.abc import Callable

_listener: Callable[[tuple[str, ...]], None] | None = None


def listen(listener: Callable[[tuple[str, ...]], None] | None) -> None:
    global _listener
    _listener = listener


def mark(*services: str) -> None:
    if _listener is not None:
        _listener(services)
