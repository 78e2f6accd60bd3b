"""Consistent snapshots of every service: written by a forked child, committed by one atomic rename.

Layout under <state>/moto:
    CURRENT                    {"snapshot": "snap-000000001234-<ns>"}  (replaced atomically)
    snap-000000001234-<ns>/    one committed snapshot, consistent at journal seq 1234 (a new name each time)
        manifest.json          format, seq, moto and localcloud versions, services, blob references,
                               a digest of each pickle
        <service>.pickle       {"version", "accounts"}; unchanged services, and changed ones that pickle to
                               the same bytes, are hard links to the last one
        _extras.pickle         outbox, stream checkpoints, schedule times (saved with the state they go with)
    values/xx/<sha256>         large values (Lambda code and layer zips) of BLOB_SERVICES, stored once by
                               content and referenced from their pickles: re-saving a function rewrites none

Why a fork: the parent holds the request gate only while it forks (milliseconds), and the child pickles a
copy-on-write image of the whole process at that instant, so no request stalls while a big table is
pickled and every service, the outbox and the checkpoints are cut at the same moment. The child never
logs or imports (another thread may have held those locks at the fork); it reports through a pipe, and
dies with its parent (PR_SET_PDEATHSIG), so an orphan can never commit over a newer server's snapshot.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import io
import json
import os
import pickle
import shutil
import signal
import stat
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.state.durable import fsync_dir, fsync_file, private_dir, write_atomic, write_new

FORMAT = 2  # 1: one <service>.pickle per service directly under moto/, no journal
PICKLE_VERSION = 1  # the per-service document, unchanged from format 1
BLOB_SERVICES = ("awslambda",)  # where moto keeps big bytes (code, layers); others pickle faster without the hook
LARGE_VALUE = 256 * 1024


def _as_bytes(obj: bytes | str) -> bytes:
    return obj if type(obj) is bytes else obj.encode("utf-8", "surrogatepass")  # type: ignore[union-attr]


class ValueDigests:
    """Content digests of the large values a service holds, computed once per value in the server, not
    once per snapshot in the writer: a Lambda snapshot then costs what changed, not a SHA-256 of every zip
    (40 MB for the pipelines' pyarrow layer, kept by moto as bytes and again as base64 text).

    Keyed by id() while holding the value itself, so an id cannot be reused for another value while its
    entry lives; values no longer held by the service are dropped at the next `refresh`."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[Any, str]] = {}

    def get(self, obj: Any) -> str | None:
        hit = self._known.get(id(obj))
        return hit[1] if hit is not None and hit[0] is obj else None

    def refresh(self, root: Any) -> None:
        """Find the large values under `root` (a dry-run pickle that writes nothing of them) and digest
        those not seen before. Runs in the server's saver thread before the fork; any failure (the state
        changed under the walk) only leaves the writer to digest what it meets."""
        found: dict[int, Any] = {}

        class Finder(pickle.Pickler):
            def persistent_id(self, obj: Any) -> Any:
                kind = type(obj)
                if (kind is bytes or kind is str) and len(obj) >= LARGE_VALUE:
                    found[id(obj)] = obj
                    return id(obj)
                return None

        try:
            Finder(_Discard(), protocol=pickle.HIGHEST_PROTOCOL).dump(root)
        except Exception:
            return
        known = {}
        for key, obj in found.items():
            hit = self._known.get(key)
            known[key] = hit if hit is not None and hit[0] is obj else (obj, hashlib.sha256(_as_bytes(obj)).hexdigest())
        self._known = known


class _Discard:
    def write(self, data: Any) -> int:
        return len(data)


value_digests = ValueDigests()


class ValuePickler(pickle.Pickler):
    """Pickles bytes/str of LARGE_VALUE or more as a reference to a content-addressed file under `values`."""

    def __init__(self, handle: Any, values: Path, referenced: set[str], digests: ValueDigests | None = None) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.values, self.referenced = values, referenced
        self.digests = digests if digests is not None else value_digests

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if (kind is not bytes and kind is not str) or len(obj) < LARGE_VALUE:
            return None
        digest = self.digests.get(obj)
        path = self.values / digest[:2] / digest if digest else None
        if path is None or not path.exists():
            data = _as_bytes(obj)
            digest = digest or hashlib.sha256(data).hexdigest()
            path = self.values / digest[:2] / digest
            if not path.exists():
                private_dir(path.parent)
                write_new(path, data)
                fsync_dir(path.parent)
        self.referenced.add(f"{digest[:2]}/{digest}")
        return ("bytes" if kind is bytes else "str", digest)


class ValueUnpickler(pickle.Unpickler):
    def __init__(self, handle: Any, values: Path) -> None:
        super().__init__(handle)
        self.values = values

    def persistent_load(self, pid: Any) -> Any:
        kind, digest = pid
        data = (self.values / digest[:2] / digest).read_bytes()
        return data if kind == "bytes" else data.decode("utf-8", "surrogatepass")


@contextlib.contextmanager
def collector_paused():
    """Unpickling a big service allocates millions of tracked objects, and each allocation burst runs the
    cyclic collector over everything alive: 100k DynamoDB items took 10.6 s to load with it and 3.1 s
    without (measured in-process). Nothing unpickled is garbage, so the collector waits until the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Read once, in the parent (the snapshot's child must not import)."""
    from importlib.metadata import version

    from localcloud import __version__

    return {"moto": version("moto"), "localcloud": __version__, "python": "%d.%d" % sys.version_info[:2]}


def compatible(saved: dict[str, str]) -> str | None:
    """None when a snapshot written with `saved` versions loads here; else why not."""
    here = versions()
    minor = lambda v: ".".join(str(v).split(".")[:2])
    if minor(saved.get("moto", "")) != minor(here["moto"]):
        return f"it was written with moto {saved.get('moto')} and this is moto {here['moto']}"
    if saved.get("python") and saved["python"] != here["python"]:
        return f"it was written by Python {saved['python']} and this is Python {here['python']}"
    return None


@dataclass
class Loaded:
    seq: int
    directory: Path | None
    services: dict[str, Path]
    extras: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


class SnapshotDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    # -- reading -----------------------------------------------------------------------------------
    def current(self) -> Path | None:
        try:
            name = json.loads((self.root / "CURRENT").read_text())["snapshot"]
        except (OSError, ValueError, KeyError):
            return None
        path = self.root / name
        return path if path.is_dir() else None

    def load(self) -> Loaded:
        """What to restore: the committed snapshot, or format-1 files, or nothing. Raises
        IncompatibleSnapshot when the snapshot must be set aside."""
        current = self.current()
        if current is None:
            legacy = {p.stem: p for p in self.root.glob("*.pickle")} if self.root.exists() else {}
            return Loaded(0, None, legacy)
        manifest = json.loads((current / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise IncompatibleSnapshot(f"it has format {manifest.get('format')} and this version reads {FORMAT}")
        reason = compatible(manifest.get("versions", {}))
        if reason:
            raise IncompatibleSnapshot(reason)
        extras_path = current / "_extras.pickle"
        extras = pickle.loads(extras_path.read_bytes()) if extras_path.exists() else {}
        services = {name: current / f"{name}.pickle" for name in manifest["services"]}
        return Loaded(int(manifest["seq"]), current, services, extras, manifest)

    def set_aside(self, journal_dir: Path) -> Path:
        """Move the snapshot and the journal out of the way, whole; returns where they went."""
        kept = self.root.parent / f"set-aside-{time.strftime('%Y%m%d-%H%M%S')}"
        private_dir(kept)
        for path in (self.root, journal_dir):
            if path.exists():
                os.replace(path, kept / path.name)
        return kept

    def referenced_blobs(self) -> set[str]:
        current = self.current()
        if current is None:
            return set()
        try:
            return set(json.loads((current / "manifest.json").read_text()).get("blobs", []))
        except (OSError, ValueError):
            return set()

    # -- writing -----------------------------------------------------------------------------------
    def prepare(self, seq: int) -> Path:
        """The directory the next snapshot is written into. Its name is new every time: two snapshots at
        the same journal position (background changes only) must never write over, or remove, the one
        CURRENT names until the new one is committed."""
        private_dir(self.root)
        return self.root / f"snap-{seq:012d}-{time.time_ns():x}.partial"

    def write(self, partial: Path, seq: int, backends: dict[str, Any], changed: set[str],
              extras: Callable[[], dict[str, Any]], unsynced_blobs: list[str],
              blob_store: Any, parent_pid: int | None) -> dict[str, float]:
        """Write and commit one snapshot (in the forked child, or inline when fork is not available).
        Returns how long each phase took, in ms (the saver shows them in /_localcloud/health).

        A service marked changed whose pickle comes out byte for byte as before (marked by a side effect
        or re-pickled as background-changed, but the same) is linked like an unchanged one: a save writes
        and fsyncs only what really changed."""
        clock = time.perf_counter
        phases = {"pickle": 0.0, "write": 0.0}
        os.mkdir(partial, 0o700)
        previous = self.current()
        old_manifest = self._manifest(previous)
        old_digests = old_manifest.get("digests", {})
        if blob_store is not None:
            blob_store.collecting = set()
        linked: set[str] = set()
        values: set[str] = set()
        digests: dict[str, str] = {}
        for service, accounts in backends.items():
            target = partial / f"{service}.pickle"
            old = previous / f"{service}.pickle" if previous is not None else None
            if service not in changed and old is not None and old.exists() and service in old_digests:
                os.link(old, target)
                linked.add(service)
                digests[service] = old_digests[service]
                continue
            started = clock()
            # dict.items, not BackendDict.__getitem__ (which takes moto's backend lock for every account).
            document = {"version": PICKLE_VERSION, "accounts": dict(dict.items(accounts))}
            buffer = io.BytesIO()
            if service in BLOB_SERVICES:
                ValuePickler(buffer, self.root / "values", values).dump(document)
            else:
                pickle.dump(document, buffer, protocol=pickle.HIGHEST_PROTOCOL)
            data = buffer.getbuffer()
            digests[service] = hashlib.blake2b(data, digest_size=16).hexdigest()
            phases["pickle"] += clock() - started
            started = clock()
            if old is not None and old.exists() and old_digests.get(service) == digests[service]:
                os.link(old, target)
                linked.add(service)
            else:
                write_new(target, data)
            phases["write"] += clock() - started
        started = clock()
        extras_data = pickle.dumps(extras(), protocol=pickle.HIGHEST_PROTOCOL)
        digests["_extras"] = hashlib.blake2b(extras_data, digest_size=16).hexdigest()
        old_extras = previous / "_extras.pickle" if previous is not None else None
        if old_extras is not None and old_extras.exists() and old_digests.get("_extras") == digests["_extras"]:
            os.link(old_extras, partial / "_extras.pickle")
        else:
            write_new(partial / "_extras.pickle", extras_data)
        phases["extras"] = clock() - started
        blobs: set[str] = set(blob_store.collecting or ()) if blob_store is not None else set()
        if linked:  # services carried over refer to the same bodies and values
            if "s3" in linked:
                blobs |= set(old_manifest.get("blobs", []))
            if linked & set(BLOB_SERVICES):
                values |= set(old_manifest.get("values", []))
        started = clock()
        for path in unsynced_blobs:
            try:
                fsync_file(Path(path))
            except FileNotFoundError:
                pass  # replaced and collected already: nothing refers to it
        if blob_store is not None and blob_store.directory.exists() and unsynced_blobs:
            for folder in {Path(p).parent for p in unsynced_blobs}:
                if folder.exists():
                    fsync_dir(folder)
            fsync_dir(blob_store.directory)
        phases["blobs"] = clock() - started
        started = clock()
        manifest = {"format": FORMAT, "seq": seq, "saved_at": time.time(), "versions": versions(),
                    "services": sorted(backends), "blobs": sorted(blobs), "values": sorted(values),
                    "digests": digests}
        write_new(partial / "manifest.json", json.dumps(manifest).encode())
        fsync_dir(partial)
        phases["manifest"] = clock() - started
        started = clock()
        final = partial.with_name(partial.name.removesuffix(".partial"))
        if parent_pid is not None and os.getppid() != parent_pid:
            raise RuntimeError("the server that forked this snapshot is gone; not committing")
        os.rename(partial, final)
        fsync_dir(self.root)
        write_atomic(self.root / "CURRENT", json.dumps({"snapshot": final.name}).encode())
        phases["commit"] = clock() - started
        return {name: round(seconds * 1000, 2) for name, seconds in phases.items()}

    @staticmethod
    def _manifest(directory: Path | None) -> dict[str, Any]:
        if directory is None:
            return {}
        try:
            return json.loads((directory / "manifest.json").read_text())
        except (OSError, ValueError):
            return {}

    def remove_older(self) -> None:
        """Older snapshots, format-1 files and values the committed snapshot no longer refers to."""
        current = self.current()
        if current is not None and (self.root / "values").exists():
            try:
                kept = set(json.loads((current / "manifest.json").read_text()).get("values", []))
            except (OSError, ValueError):
                kept = None  # unsure what is referenced: keep everything
            if kept is not None:
                for path in (self.root / "values").glob("*/*"):
                    if f"{path.parent.name}/{path.name}" not in kept:
                        path.unlink(missing_ok=True)
        for path in self.root.glob("snap-*"):  # and what failed attempts left (no writer runs during this)
            if path != current:
                shutil.rmtree(path, ignore_errors=True)
        for legacy in self.root.glob("*.pickle"):  # format-1 files, superseded by the committed snapshot
            if current is not None:
                legacy.unlink(missing_ok=True)


class IncompatibleSnapshot(Exception):
    pass


def _find_prctl() -> Any:
    try:
        import ctypes

        return ctypes.CDLL(None).prctl
    except Exception:  # not Linux: the parent-pid check before the commit still applies
        return None


_prctl = _find_prctl()  # looked up here: the child must not import (another thread may hold the import lock)


def _die_with_parent() -> None:
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _close_sockets() -> None:
    """The child inherited the server's listening socket: close it (and every other socket), or a child
    still in fsync when the server is killed keeps the port busy and the restart cannot bind it."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 4096))
    for fd in fds:
        try:
            if fd > 2 and stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def fork_and_write(write: Callable[[], None]) -> tuple[int, int]:
    """Fork; the child runs `write` and exits 0, or writes its traceback to the pipe and exits 1.
    Returns (child pid, read end of the pipe). Call with the gate held; release it right after."""
    from localcloud.moto_adapter import backend_lock

    read_end, write_end = os.pipe()
    # moto's backend lock is taken by every backends[account] lookup. Held by another thread at the fork,
    # it would stay locked for good in the child (seen: a final snapshot hung on it, and so did `stop`).
    # Holding it across the fork means the child starts with it free: the forking thread owns it there too.
    with backend_lock:
        pid = os.fork()
    if pid == 0:  # the child: no logging, no imports, no locks of the parent's threads
        # No cyclic collection in the child: it would write to the header of every object it visits,
        # copying the parent's whole heap page by page (copy-on-write), and it only slows the pickling.
        gc.disable()
        os.close(read_end)
        status = 0
        try:
            _close_sockets()
            _die_with_parent()
            report = write()
            if isinstance(report, dict):
                os.write(write_end, REPORT_MARK + json.dumps(report).encode())
        except BaseException:
            status = 1
            try:
                os.write(write_end, traceback.format_exc().encode()[-4000:])
            except BaseException:
                pass
        os._exit(status)
    os.close(write_end)
    return pid, read_end


REPORT_MARK = b"\x00report:"  # a child that committed sends its phases after this; a failing one, its traceback
last_report: dict[str, float] = {}  # the phases of the last committed snapshot (written by wait_child)


def writer_timeout() -> float:
    raw = os.environ.get("LOCALCLOUD_SNAPSHOT_TIMEOUT", "")
    try:
        return float(raw) if raw else 120.0
    except ValueError:
        raise ValueError(f"LOCALCLOUD_SNAPSHOT_TIMEOUT={raw!r} is not a number of seconds") from None


def wait_child(pid: int, read_end: int, timeout: float | None = None) -> str | None:
    """None when the child committed its snapshot; else what went wrong.

    Bounded: a forked child of a threaded process can block for good on a lock another thread held at the
    fork. Such a writer is killed after LOCALCLOUD_SNAPSHOT_TIMEOUT (120 s) and the snapshot counts as
    failed, to be retried; nothing is lost meanwhile, the journal still holds every change."""
    import select

    deadline = time.monotonic() + (writer_timeout() if timeout is None else timeout)
    chunks = []
    while True:
        left = deadline - time.monotonic()
        ready = select.select([read_end], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            os.close(read_end)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return "the snapshot writer did not finish in time and was stopped; the journal keeps every change"
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    output = b"".join(chunks)
    if os.waitstatus_to_exitcode(status) == 0:
        if output.startswith(REPORT_MARK):
            try:
                last_report.clear()
                last_report.update(json.loads(output[len(REPORT_MARK):]))
            except ValueError:
                pass
        return None
    message = output.decode(errors="replace").strip()
    return message or f"the snapshot writer exited with status {os.waitstatus_to_exitcode(status)}"
