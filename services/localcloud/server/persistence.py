"""Keep moto's state across restarts and crashes: snapshots plus a write-ahead journal of requests.

Terraform's state names resources by their ids, so a restart that forgot them would make the next
`make up` recreate everything. What moto keeps that pickle cannot take is in localcloud.state.picklers.

How it holds together (docs/state.md says why, with measurements):
- every mutating request is journaled before it is answered (localcloud.state.journal), under the
  request gate's shared side, with the seed its ids were drawn from;
- every SNAPSHOT_SECONDS when something changed (and when the journal grows past JOURNAL_LIMIT, and at
  shutdown) a forked child writes a snapshot consistent at one journal position, outbox and stream
  checkpoints included (localcloud.state.snapshots); then the journal before it is deleted;
- at start the snapshot is loaded, whole or not at all, the journal after it is replayed, pending
  events are resumed, and only then are requests to the persisted services let through.
Restoring imports moto's service modules, which takes seconds for EC2 and IAM, so it runs in the
background after start-up; requests to persisted services wait for it (Readiness).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from localcloud.moto_adapter import get_backend
from localcloud.server.lineage import Lineage
from localcloud.server.readiness import Readiness
from localcloud.state import blobs, changes, picklers, replay
from localcloud.state import snapshots as snapshot_files
from localcloud.state.durable import private_dir
from localcloud.state.gate import Gate
from localcloud.state.journal import Journal
from localcloud.state.outbox import outbox

# Registers moto's picklers on import. Snapshots written before the picklers moved name these two here.
from localcloud.state.picklers import _load_private_key, _prepare_pickling, _rebuild_iam_backend  # noqa: F401
from localcloud.state.snapshots import (BLOB_SERVICES, IncompatibleSnapshot, Loaded, SnapshotDir, ValueUnpickler,
                                       collector_paused, fork_and_write, value_digests, versions, wait_child)

log = logging.getLogger("localcloud.persistence")

SNAPSHOT_VERSION = 1  # the per-service pickle document
# Requests to one service that change another's state inside moto (RDS creates the managed master secret
# in Secrets Manager and its KMS key; Lambda writes CloudWatch Logs): saved together with their cause.
SIDE_EFFECTS = {"rds": ("secretsmanager", "kms"), "awslambda": ("logs",), "s3": ("sqs", "sns"),
                "sns": ("sqs",), "events": ("sqs", "sns", "stepfunctions"), "scheduler": ("sqs", "sns")}
# Services whose moto state we keep; at shutdown every one that moto loaded is saved, so state changed by
# background work (pollers, deliveries, executions) is not lost either.
PERSISTED = ("apigateway", "apigatewayv2", "athena", "awslambda", "cloudwatch", "dynamodb", "dynamodbstreams",
             "ec2", "ecr", "events", "glue", "iam", "kinesis", "kms", "logs", "rds", "s3", "scheduler", "secretsmanager",
             "sns", "sqs", "ssm", "stepfunctions", "sts")

def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds; unset it or give one such as {default:g}") from None


SNAPSHOT_SECONDS = 10.0  # LOCALCLOUD_SNAPSHOT_SECONDS: how often a changed state is snapshotted
FULL_SNAPSHOT_SECONDS = 600.0  # every loaded service re-pickled, catching changes nobody marked
# Changed by background work (executions, alarm evaluation, RDS instance status) without marking: small,
# so re-pickled by every snapshot.
BACKGROUND_CHANGED = ("stepfunctions", "cloudwatch", "rds")
JOURNAL_LIMIT = 64 * 1024 * 1024  # a snapshot is taken sooner once the journal holds this much
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)  # between attempts after a failed snapshot
# Restored first, whatever its size: moto looks up the IAM backend of the caller's account in every request
# of every service (moto.core.responses, mark_account_as_visited) and creates an empty one when there is none,
# building AWS's ~1,600 managed policies (0.7 s idle, 2-4 s at load 7-14 on two cores) inside that request.
RESTORED_FIRST = ("iam",)


def _module_of(service: str) -> str:
    return {"awslambda": "moto.awslambda.models", "dynamodbstreams": "moto.dynamodbstreams.models"}.get(
        service, f"moto.{service}.models")


class StateStore:
    def __init__(self, state_dir: Path, readiness: Readiness, delay_seconds: float | None = None) -> None:
        self.state_dir = state_dir
        self.directory = state_dir / "moto"
        self.readiness = readiness
        self.interval = delay_seconds if delay_seconds is not None else _env_seconds(
            "LOCALCLOUD_SNAPSHOT_SECONDS", SNAPSHOT_SECONDS)
        self.use_fork = hasattr(os, "fork") and os.environ.get("LOCALCLOUD_SNAPSHOT_FORK", "1") != "0"
        self.gate = Gate()
        self.journal = Journal(state_dir / "journal")
        self.snapshots = SnapshotDir(self.directory)
        self._changed: set[str] = set()
        self._changed_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._restored = {service: threading.Event() for service in PERSISTED}
        self._holds: dict[str, threading.Event] = {}
        self._restore_complete = False  # the journal is open: requests are journaled
        self._restore_started = time.monotonic()
        self._left_for_later: dict[str, Path] = {}
        self._all_restored = False  # restore and replay finished: a snapshot would hold everything
        self._start_finished = threading.Event()
        self._loaded: Loaded | None = None
        self._extras: dict[str, tuple[Callable[[], Any], Callable[[Any], None]]] = {}
        self._last_full = time.monotonic()
        self.status: dict[str, Any] = {"last_snapshot_at": None, "last_snapshot_ms": None, "last_stall_ms": None,
                                       "snapshot_seq": 0, "last_error": None, "failures": 0, "replayed": 0,
                                       "saving": False, "set_aside": None}
        self._saver = threading.Thread(target=self._save_loop, name="state-saver", daemon=True)
        # The state epoch the no-op apply check compares; its record sits beside the snapshots' folder.
        self.lineage = Lineage(self.directory, state_dir / "lineage.json")
        self.register_extra("outbox", outbox.snapshot, outbox.restore)
        versions()  # read now: the snapshot's child must not import
        changes.listen(lambda services: self.mark_changed(*services))

    def register_extra(self, name: str, snapshot: Callable[[], Any], restore: Callable[[Any], None]) -> None:
        """Keep `snapshot()` (called in the snapshot's child: read, never lock) in every snapshot, and hand
        it to `restore` before the services are restored."""
        self._extras[name] = (snapshot, restore)

    # -- restore ---------------------------------------------------------------------------------
    def hold_snapshots(self) -> None:
        """Before the server answers: hold every persisted service until it is restored (and the journal
        replayed, when there is one to replay)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)  # its own mode is the server's (issue 14); ours are 0700
        self.lineage.begin()
        self._holds = {service: self.readiness.hold(service) for service in PERSISTED}

    def restore_all(self, skip: tuple[str, ...] | set[str] = ()) -> None:
        """Load the committed snapshot (the app runs this first in its start thread). A snapshot this version
        cannot read is set aside whole before anything loads. Without a journal to replay (the last stop was
        clean) each service is let through as soon as it is restored, smallest first.

        Services in `skip` (those an early start hook swaps the backend of, Step Functions) are left for
        `restore_rest`, which the app runs after the other start hooks: the data services need not wait for
        the early hooks' slow imports."""
        self._restore_started = time.monotonic()
        try:
            blobs.install(self.state_dir / "blobs")
            try:
                loaded = self.snapshots.load()
            except Exception as exc:
                self._set_aside(exc)
                loaded = Loaded(0, None, {})
            self._loaded = loaded
            for name, (_, restore) in self._extras.items():
                try:
                    restore(loaded.extras.get(name))
                except Exception:
                    log.exception("could not restore the saved %s; it starts empty", name)
            if not any(segment.stat().st_size for segment in self.journal.segments()):
                self._open_for_requests(loaded, release=False)
            now = {service: path for service, path in loaded.services.items() if service not in skip}
            self._left_for_later = {service: path for service, path in loaded.services.items() if service in skip}
            self._install_each(now)
            for service in PERSISTED:  # nothing saved for it: ready now, unless left for later
                if service not in skip:
                    self._restored_one(service)
        except Exception:
            log.exception("restoring saved state failed part-way")
            for service in PERSISTED:
                if service not in skip:
                    self._restored_one(service)

    def restore_rest(self) -> None:
        """The services `restore_all` left for after the early start hooks."""
        try:
            self._install_each(self._left_for_later)
        except Exception:
            log.exception("restoring saved state failed part-way")
        finally:
            for service in PERSISTED:
                self._restored_one(service)
        if self._loaded and self._loaded.services:
            took = self.status.get("restore_seconds", {})
            log.info("restored %s from %s (journal position %d) in %.2f s", ", ".join(
                f"{service} ({took[service][0]:.2f} s, CPU {took[service][1]:.2f} s)" if service in took else service
                for service in sorted(self._loaded.services)), self._loaded.directory or self.directory,
                self._loaded.seq, time.monotonic() - self._restore_started)

    def _install_each(self, services: dict[str, Path]) -> None:
        """RESTORED_FIRST first, then smallest first, so most services are back at once."""
        for service, path in sorted(services.items(), key=lambda item: (item[0] not in RESTORED_FIRST,
                                                                        item[1].stat().st_size)):
            started, cpu = time.monotonic(), time.thread_time()
            try:
                self._install(service, path)
            finally:
                self._restored_one(service)
            # Wall and CPU time of this thread: on a loaded machine the two differ by the wait for a core.
            self.status.setdefault("restore_seconds", {})[service] = [round(time.monotonic() - started, 3),
                                                                      round(time.thread_time() - cpu, 3)]

    def _restored_one(self, service: str) -> None:
        self._restored[service].set()
        if self._restore_complete:  # nothing to replay: requests to it may go on now
            self._holds[service].set()

    def _install(self, service: str, path: Path) -> None:
        try:
            document = self._read(service, path)
        except Exception as exc:
            kept = self.snapshots.root.parent / f"set-aside-{time.strftime('%Y%m%d-%H%M%S')}"
            private_dir(kept)
            shutil.copy2(path, kept / path.name)
            message = (f"The saved {service} state ({path}) could not be read: {exc}. {service} starts empty; "
                       f"`make up` creates its resources again. The file is kept as {kept / path.name}.")
            self.status["set_aside"] = message
            self.lineage.lost(service)
            self.mark_changed(service)
            log.error(message)
            return
        if document["accounts"]:  # nothing kept there: importing its models just to clear them costs seconds
            backends = get_backend(service)  # type: ignore[arg-type]
            backends.clear()
            backends.update(document["accounts"])

    def _open_for_requests(self, loaded: Loaded, release: bool = True) -> None:
        if not self._restore_complete:
            self.journal.open(max(self.journal.next_seq, loaded.seq + 1))
            self._restore_complete = True
        if release:
            for hold in self._holds.values():
                hold.set()

    def finish_restore(self, app: Any) -> None:
        """Replay the journal after the snapshot, resume pending events, then let requests through
        (the app runs this last in its start thread, after moto's delivery hooks are ours)."""
        loaded = self._loaded or Loaded(0, None, {})
        replayed = 0
        try:
            if not self._restore_complete:
                replayed = self._replay(app, loaded.seq)
        except Exception:
            log.exception("replaying the journal failed part-way; what was replayed is kept")
        finally:
            self._open_for_requests(loaded)
            outbox.resume()
        self.status["replayed"] = replayed
        self._all_restored = True
        self._start_finished.set()
        self._saver.start()
        if loaded.directory is None and loaded.services:
            self.mark_changed(*loaded.services)
        if replayed or (loaded.directory is None and loaded.services):
            self._wake.set()  # fold the replayed journal (or format-1 files) into a snapshot now

    def wait_restored(self, service: str, timeout: float = 600.0) -> None:
        """Wait for the saved state of `service` only (not for the journal's replay)."""
        event = self._restored.get(service)
        if event is not None and not event.wait(timeout):
            log.error("restoring %s took over %.0f s; going on with what is restored", service, timeout)

    def _set_aside(self, exc: Exception) -> None:
        kept = self.snapshots.set_aside(self.journal.directory)
        message = (f"The saved state in {self.directory} was not loaded: {exc}. Every service starts empty; "
                   f"`make up` creates the resources again. The old state is kept, untouched, in {kept}.")
        self.status["set_aside"] = message
        self.lineage.lost("saved")
        log.error(message)

    def wait_all_restored(self, timeout: float = 60.0) -> None:
        for service in list(self._restored):
            self.wait_restored(service, timeout)

    @staticmethod
    def _read(service: str, path: Path) -> dict[str, Any]:
        for attempt in range(5):
            try:
                with open(path, "rb") as handle, collector_paused(), picklers.loading(service):
                    document = ValueUnpickler(handle, path.parent.parent / "values").load()
                if document.get("version") != SNAPSHOT_VERSION:
                    raise IncompatibleSnapshot(f"{path.name} has version {document.get('version')}, "
                                               f"not {SNAPSHOT_VERSION}")
                return document
            except Exception as exc:
                if "deadlock detected" in str(exc) and attempt < 4:
                    # A request's thread was importing the same moto module: transient, try again.
                    time.sleep(0.1 * (attempt + 1))
                    continue
                if isinstance(exc, IncompatibleSnapshot):
                    raise
                raise IncompatibleSnapshot(f"{path.name} could not be read ({type(exc).__name__}: {exc})") from exc
        raise AssertionError("unreachable")

    def _replay(self, app: Any, after: int) -> int:
        count = 0
        refused: dict[str, int] = {}
        started = time.monotonic()
        with replay.replay_mode():
            for seq, entry in self.journal.entries(after):
                try:
                    with replay.seeded(entry["seed"]):
                        status = app.replay_request(replay.environ_of(entry))
                    if status >= 400:
                        # e.g. SQS DeleteMessage: its receipt handle came from a ReceiveMessage, not journaled,
                        # so the message is back (at-least-once, as SQS allows).
                        key = f"{entry['service']} {status}"
                        refused[key] = refused.get(key, 0) + 1
                except Exception:
                    log.exception("journal entry %d (%s) failed on replay; going on", seq, entry["service"])
                self.mark_changed(entry["service"])
                count += 1
        if count:
            log.info("replayed %d journaled requests made after the last snapshot in %.2f s%s", count,
                     time.monotonic() - started,
                     f"; refused on replay: {refused}" if refused else "")
        return count

    # -- requests --------------------------------------------------------------------------------
    def journaled_call(self, service: str, environ: dict[str, Any], body: bytes,
                       call: Callable[[], tuple[int, Any, Any]]) -> tuple[int, Any, Any]:
        """Apply a mutating request and journal it before its answer leaves (see the module docstring)."""
        seed = replay.new_seed()
        entry = replay.record(service, environ, body, seed)  # as it came in: handlers may rewrite the environ
        with self.gate.shared():
            with replay.seeded(seed):
                response = call()
            if response[0] < 400 and self._restore_complete:
                try:
                    self.journal.append(entry)
                except Exception as exc:
                    self._failed(f"journaling a {service} request failed ({type(exc).__name__}: {exc})")
        self.mark_changed(service)
        if self.journal.bytes_since_rotation > JOURNAL_LIMIT:
            self._wake.set()
        return response

    # -- save ------------------------------------------------------------------------------------
    def mark_changed(self, *services: str) -> None:
        with self._changed_lock:
            for service in services:
                self._changed.add(service)
                self._changed.update(SIDE_EFFECTS.get(service, ()))

    def stop(self) -> None:
        """Final snapshot (the app calls this after intake stopped and in-flight work drained). A stop that
        comes while start-up still restores waits for it, bounded (LOCALCLOUD_STOP_RESTORE_WAIT_SECONDS,
        30): the data services answer before IAM or the engines are back, so a client may well have
        written and stopped by then, and its writes belong in the final snapshot, not only the journal."""
        bound = _env_seconds("LOCALCLOUD_STOP_RESTORE_WAIT_SECONDS", 30.0)
        if self._holds and not self._start_finished.wait(bound):
            log.warning("start-up was still restoring saved state after %.0f s of stopping; no final snapshot "
                        "is written (the journal keeps every change and is replayed at the next start)", bound)
        self._stopping.set()
        self._wake.set()
        if self._saver.is_alive():
            self._saver.join(timeout=600)
        if self._restore_complete and self._all_restored:  # never a snapshot of a half-restored state
            for attempt in range(3):
                if self.snapshot(everything=True):
                    self.lineage.stopped_cleanly()
                    break
                time.sleep(0.5 * (attempt + 1))
            else:
                log.error("the final snapshot failed; the journal in %s still holds every change and is "
                          "replayed at the next start", self.journal.directory)
        self.journal.close()

    @staticmethod
    def _loaded_services() -> list[str]:
        """Services whose moto models were imported in this run (importing one just to save it costs seconds)."""
        return [s for s in PERSISTED if _module_of(s) in sys.modules]

    def _save_loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            delay = self.interval if not failures else RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]
            self._wake.wait(delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            with self._changed_lock:
                dirty = bool(self._changed)
            if not dirty and not self.journal.bytes_since_rotation and not failures:
                continue
            failures = 0 if self.snapshot() else failures + 1

    def snapshot(self, everything: bool = False) -> bool:
        """Write one consistent snapshot; True when it committed. Failures are retried by the caller,
        logged with the reason, and shown in the health document."""
        with self._snapshot_lock:
            self.status["saving"] = True
            try:
                return self._snapshot(everything)
            finally:
                self.status["saving"] = False

    def _snapshot(self, everything: bool) -> bool:
        with self._changed_lock:
            changed, self._changed = self._changed, set()
        services = self._loaded_services()
        if everything or time.monotonic() - self._last_full > FULL_SNAPSHOT_SECONDS:
            changed = set(services)
            self._last_full = time.monotonic()
        changed |= set(BACKGROUND_CHANGED)
        unsynced = blobs.store.take_unsynced() if blobs.store is not None else []
        marker = self.directory / "SAVING"
        started = time.perf_counter()
        deferred = False
        try:
            backends = {}
            for service in services:
                _prepare_pickling(service)
                found = get_backend(service)  # type: ignore[arg-type]
                if len(found):  # a service never used has no accounts: nothing to keep
                    backends[service] = found
            for service in set(BLOB_SERVICES) & set(backends) & changed:  # digest new code zips here, once
                value_digests.refresh(dict(dict.items(backends[service])))
            private_dir(self.directory)
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # not synced: a hint for `stop`
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            with self.gate.exclusive():
                stall_started = time.perf_counter()
                seq, rotated = self.journal.rotate()
                partial_dir = self.snapshots.prepare(seq)
                write = functools.partial(self.snapshots.write, partial_dir, seq, backends, changed,
                                          self._extras_now, unsynced, blobs.store,
                                          os.getpid() if self.use_fork else None)
                if self.use_fork:
                    child, pipe = fork_and_write(write)
                else:
                    snapshot_files.last_report.clear()
                    snapshot_files.last_report.update(write())
                stall = time.perf_counter() - stall_started
            self.journal.retire(rotated)
            error = wait_child(child, pipe) if self.use_fork else None
            committed = time.perf_counter() - started
        except TimeoutError as exc:  # a long journaled request held the gate: not a failure, try again soon
            log.info("snapshot deferred: %s", exc)
            deferred = True
            error = str(exc)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            try:
                marker.unlink(missing_ok=True)
            except OSError:
                pass  # the directory itself is what failed; the error above says so
        if error:
            with self._changed_lock:
                self._changed |= changed
            if blobs.store is not None:
                blobs.store.give_back(unsynced)
            if not deferred:
                self._failed(f"saving state failed: {error.splitlines()[-1] if error else error}", error)
            return False
        self.journal.prune(seq)
        self.snapshots.remove_older()
        if blobs.store is not None:
            blobs.store.collect_garbage(self.snapshots.referenced_blobs())
        self.status.update(last_snapshot_at=time.time(), snapshot_seq=seq, last_error=None,
                           last_snapshot_ms=round(committed * 1000, 1),
                           last_cleanup_ms=round((time.perf_counter() - started - committed) * 1000, 1),
                           last_stall_ms=round(stall * 1000, 2), saved_services=sorted(changed),
                           last_snapshot_phases_ms=dict(snapshot_files.last_report))
        return True

    def _extras_now(self) -> dict[str, Any]:
        return {name: snapshot() for name, (snapshot, _) in self._extras.items()}

    def _failed(self, message: str, detail: str | None = None) -> None:
        self.status["failures"] += 1
        self.status["last_error"] = {"at": time.time(), "message": message}
        log.error("%s. The previous snapshot and the journal are kept; retrying. %s", message,
                  (detail or "")[-1500:])

    def health(self) -> dict[str, object]:
        document = dict(self.status)
        document["journal_bytes"] = self.journal.bytes_since_rotation
        document["pending_events"] = outbox.pending()
        notes = []
        if self.status["last_error"]:
            notes.append(f"state: {self.status['last_error']['message']} (retrying; see localcloud.log)")
        if self.journal.last_error:
            notes.append(f"state: {self.journal.last_error}")
        if self.status["set_aside"]:
            notes.append(f"state: {self.status['set_aside']}")
        return {"persistence": document, "notes": notes}
