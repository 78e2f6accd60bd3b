"""`localcloud dev`: watch lambdas/, reload what changed, and print the functions' log lines as they come.

One line per reload says what changed, which functions now run it, and how long it took; every log line
of those functions follows, prefixed with the function's name. Terraform stays the source of truth: the
zips are the ones `make build` writes, so the next `make up` finds them as they are.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import watchfiles

from localcloud.devloop.reloader import Reload, Reloader, Unit, all_units, units_for

Print = Callable[[str], None]
# watchfiles groups the events of one save (editors write a temporary file and rename it): wait this
# long for more after the first, and at most `DEBOUNCE_MS` in all.
STEP_MS = 30
DEBOUNCE_MS = 400
RUST_TIMEOUT_MS = 500
# One FilterLogEvents per followed function per poll (CloudWatch Logs has no multi-group tail that moto
# serves; StartLiveTail is not there): twice a second keeps a dozen functions under 25 requests a second.
LOG_POLL_SECONDS = 0.5


@dataclass
class DevOptions:
    source: Path
    out: Path
    state_file: Path | None
    tf_dir: Path | None
    follow_logs: bool = True


def describe(reload: Reload) -> str:
    what = reload.unit.label
    if reload.updated:
        line = f"reloaded {what} -> {', '.join(reload.updated)} in {reload.seconds:.2f} s"
    else:
        line = f"{what}: nothing deployed runs it"
    return "; ".join([line, *reload.notes])


class LogFollower:
    """Polls the log groups of the functions reloaded so far (and those found at start)."""

    def __init__(self, logs_client: Any, emit: Print) -> None:
        self.client = logs_client
        self.emit = emit
        self._tails: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dev-logs", daemon=True)

    def follow(self, functions: set[str]) -> None:
        from localcloud.runtime.log_tail import LogTail

        with self._lock:
            for name in functions - set(self._tails):
                self._tails[name] = LogTail(self.client, f"/aws/lambda/{name}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        while not self._stop.wait(LOG_POLL_SECONDS):
            with self._lock:
                tails = list(self._tails.items())
            for name, tail in tails:
                try:
                    events = tail.poll()
                except (ClientError, BotoCoreError):  # no group yet (never ran), or the cloud restarts
                    continue
                for event in events:
                    self.emit(f"{name} | {event['message'].rstrip()}")


def run(options: DevOptions, lambda_client: Any, logs_client: Any, emit: Print,
        stop: threading.Event | None = None) -> int:
    stop = stop or threading.Event()
    reloader = Reloader(options.source, options.out, lambda_client, options.state_file, options.tf_dir)
    follower = LogFollower(logs_client, emit)
    ready = False
    try:
        # yield_on_timeout: the first (empty) batch says the watcher runs, so no save can slip between the
        # first sync and the watch. Empty batches come every RUST_TIMEOUT_MS after that and cost nothing.
        for changes in watchfiles.watch(options.source, watch_filter=_filter, step=STEP_MS,
                                        debounce=DEBOUNCE_MS, rust_timeout=RUST_TIMEOUT_MS, yield_on_timeout=True,
                                        stop_event=stop, raise_interrupt=False):
            if not ready:
                _first_sync(reloader, options, follower, emit)
                ready = True
            if changes:
                _reload(reloader, {Path(path) for _, path in changes}, options, follower, emit)
    finally:
        if ready and options.follow_logs:
            follower.stop()
    return 0


def _first_sync(reloader: Reloader, options: DevOptions, follower: LogFollower, emit: Print) -> None:
    """Bring the cloud to what the sources hold now (edits made while nothing watched), then say so."""
    for reload in reloader.reload(all_units(options.source)):
        emit(describe(reload))
    watched = set().union(*reloader.users.values())
    if options.follow_logs:
        follower.follow(watched)
        follower.start()
    emit(f"watching {options.source} ({len(watched)} deployed functions run its code); Ctrl-C stops")


def _reload(reloader: Reloader, paths: set[Path], options: DevOptions, follower: LogFollower, emit: Print) -> None:
    started = time.monotonic()
    units = units_for(paths, options.source)
    if not units:
        return
    try:
        reloads = reloader.reload(units)
    except Exception as exc:  # noqa: BLE001  (a build error, the cloud gone: say so, keep watching)
        emit(f"reload failed ({', '.join(sorted(u.label for u in units))}): {exc}; fix it and save again")
        return
    for reload in reloads:
        emit(describe(reload))
        if options.follow_logs:
            follower.follow(set(reload.updated))
    if len(reloads) > 1:
        emit(f"  ({time.monotonic() - started:.2f} s in all)")


class _SourceFilter(watchfiles.DefaultFilter):
    """watchfiles' defaults (__pycache__, .git, editor swap files) and compiled files."""

    def __call__(self, change: Any, path: str) -> bool:
        return super().__call__(change, path) and not path.endswith((".pyc", ".pyo"))


_filter = _SourceFilter()


__all__ = ["DevOptions", "Unit", "run"]
