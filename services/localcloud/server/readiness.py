"""Per-service readiness: work that may finish after the server starts answering (restoring saved state,
importing a heavy engine) holds its services; a request for a held service waits, others go straight on.

This keeps start-up to healthy short without answering a request from half-restored state.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("localcloud.readiness")


class Readiness:
    def __init__(self) -> None:
        self._held: dict[str, list[threading.Event]] = {}
        self._lock = threading.Lock()

    def hold(self, *services: str) -> threading.Event:
        """Hold `services` until the returned event is set."""
        done = threading.Event()
        with self._lock:
            for service in services:
                self._held.setdefault(service, []).append(done)
        return done

    def wait(self, service: str, timeout: float = 60.0) -> None:
        for event in self._held.get(service, ()):
            if not event.wait(timeout):
                log.error("%s was not ready after %.0f s; answering anyway", service, timeout)

    def starting(self) -> set[str]:
        with self._lock:
            return {service for service, events in self._held.items() if not all(e.is_set() for e in events)}
