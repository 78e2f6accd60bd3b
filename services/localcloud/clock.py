"""The local cloud's clock: wall time, optionally sped up (LOCALCLOUD_CLOCK_SPEED=60 makes a minute pass
in a second) for schedules, Step Functions Wait states, alarm periods and retry back-offs.

Timestamps that clients see stay real UTC; only waiting is scaled, plus schedule arithmetic, which runs
on `now()` (starting at the real time when the server starts).
"""

from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"clock speed must be positive, got {speed}; unset LOCALCLOUD_CLOCK_SPEED or give e.g. 60")
        self.speed = speed
        self._wall_origin = time.time()
        self._monotonic_origin = time.monotonic()

    def now(self) -> float:
        """Local epoch seconds: real time at start-up, advancing `speed` times faster."""
        return self._wall_origin + (time.monotonic() - self._monotonic_origin) * self.speed

    def wall_seconds(self, local_seconds: float) -> float:
        """How long a local duration takes on the wall clock."""
        return max(0.0, local_seconds / self.speed)

    def sleep(self, local_seconds: float, stop: threading.Event | None = None) -> bool:
        """Sleep a local duration; returns True early if `stop` is set."""
        wall = self.wall_seconds(local_seconds)
        if stop is None:
            time.sleep(wall)
            return False
        return stop.wait(wall)


_clock: Clock | None = None


def configure(speed: float) -> Clock:
    global _clock
    _clock = Clock(speed)
    return _clock


def clock() -> Clock:
    """The process's clock (real time unless the server configured a speed)."""
    global _clock
    if _clock is None:
        _clock = Clock(1.0)
    return _clock
