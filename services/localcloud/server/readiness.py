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


EVERY_SERVICE = "*"


class NotReady(Exception):
    """A held service did not become ready in time; the message says which and what to do."""


class Readiness:
    def __init__(self, wait_seconds: float = 120.0) -> None:
        self.wait_seconds = wait_seconds  # Settings.ready_wait_seconds (LOCALCLOUD_READY_WAIT_SECONDS)
        self._held: dict[str, list[threading.Event]] = {}
        self._lock = threading.Lock()
        self._failure: str | None = None

    def hold(self, *services: str) -> threading.Event:
        """Hold `services` until the returned event is set."""
        done = threading.Event()
        with self._lock:
            for service in services:
                self._held.setdefault(service, []).append(done)
        return done

    def hold_all(self) -> threading.Event:
        """Hold every service until the returned event is set (moto's patches: no request may reach moto
        before they are in)."""
        return self.hold(EVERY_SERVICE)

    def fail(self, message: str) -> None:
        """Start-up failed for good: every request waiting, or still to come, is refused with `message`."""
        self._failure = message

    def wait(self, service: str, timeout: float | None = None) -> None:
        timeout = self.wait_seconds if timeout is None else timeout
        for event in (*self._held.get(EVERY_SERVICE, ()), *self._held.get(service, ())):
            ready = self._failure is not None or event.wait(timeout)  # a failed start sets its holds
            if self._failure is not None:
                raise NotReady(self._failure)
            if not ready:
                log.error("%s was not ready after %.0f s; refusing the request rather than answering from "
                          "a half-restored state", service, timeout)
                raise NotReady(f"localcloud is still restoring the saved {service} state (over {timeout:.0f} s). "
                               "Retry shortly; see localcloud.log for progress.")

    def starting(self, services: tuple[str, ...] = ()) -> set[str]:
        """The held services not yet ready; every one of `services` while all are held."""
        with self._lock:
            held = {service for service, events in self._held.items() if not all(e.is_set() for e in events)}
        return held | set(services) if EVERY_SERVICE in held else held
