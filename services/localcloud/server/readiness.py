"""Per-service readiness: work that may finish after the server starts answering (restoring saved state,
importing a heavy engine) holds its services; a request for a held service waits, others go straight on.

This keeps start-up to healthy short without answering a request from half-restored state. A request
that waited too long is refused (503, which SDKs retry), never answered from an empty backend: that
backend's next save would replace the good snapshot still being restored.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("localcloud.readiness")


class NotReady(Exception):
    """A held service did not become ready in time; the message says which and what to do."""


class Readiness:
    def __init__(self, wait_seconds: float = 120.0) -> None:
        self.wait_seconds = wait_seconds  # Settings.ready_wait_seconds (LOCALCLOUD_READY_WAIT_SECONDS)
        self._held: dict[str, list[threading.Event]] = {}
        self._lock = threading.Lock()

    def hold(self, *services: str) -> threading.Event:
        """Hold `services` until the returned event is set."""
        done = threading.Event()
        with self._lock:
            for service in services:
                self._held.setdefault(service, []).append(done)
        return done

    def wait(self, service: str, timeout: float | None = None) -> None:
        timeout = self.wait_seconds if timeout is None else timeout
        for event in self._held.get(service, ()):
            if not event.wait(timeout):
                log.error("%s was not ready after %.0f s; refusing the request rather than answering from "
                          "a half-restored state", service, timeout)
                raise NotReady(f"localcloud is still restoring the saved {service} state (over {timeout:.0f} s). "
                               "Retry shortly; see localcloud.log for progress.")

    def starting(self) -> set[str]:
        with self._lock:
            return {service for service, events in self._held.items() if not all(e.is_set() for e in events)}
