"""Consistent snapshots of every service: written by a forked child, committed by one atomic rename.

Layout under <state>/moto:
    CURRENT                    {"snapshot": "snap-000000001234"}  (replaced atomically)
    snap-000000001234/         one committed snapshot, consistent at journal seq 1234
        manifest.json          format, seq, moto and localcloud versions, services, blob references
        <service>.pickle       {"version", "accounts"}; unchanged services are hard links to the last one
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

import functools
import hashlib
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

from localcloud.state.durable import FILE_MODE, fsync_dir, fsync_file, private_dir, write_atomic, write_new

FORMAT = 2  # 1: one <service>.pickle per service directly under moto/, no journal
PICKLE_VERSION = 1  # the per-service document, unchanged from format 1
BLOB_SERVICES = ("awslambda",)  # where moto keeps big bytes (code, layers); others pickle faster without the hook
LARGE_VALUE = 256 * 1024


class ValuePickler(pickle.Pickler):
    """Pickles bytes/str of LARGE_VALUE or more as a reference to a content-addressed file under `values`."""

    def __init__(self, handle: Any, values: Path, referenced: set[str]) -> None:
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.values, self.referenced = values, referenced

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if (kind is not bytes and kind is not str) or len(obj) < LARGE_VALUE:
            return None
        data = obj if kind is bytes else obj.encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(data).hexdigest()
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
        """The directory the next snapshot is written into (left-overs of a failed try removed)."""
        private_dir(self.root)
        partial = self.root / f"snap-{seq:012d}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        return partial

    def write(self, partial: Path, seq: int, backends: dict[str, Any], changed: set[str],
              extras: Callable[[], dict[str, Any]], unsynced_blobs: list[str],
              blob_store: Any, parent_pid: int | None) -> None:
        """Write and commit one snapshot (in the forked child, or inline when fork is not available)."""
        os.mkdir(partial, 0o700)
        previous = self.current()
        if blob_store is not None:
            blob_store.collecting = set()
        linked: set[str] = set()
        values: set[str] = set()
        for service, accounts in backends.items():
            target = partial / f"{service}.pickle"
            old = previous / f"{service}.pickle" if previous is not None else None
            if service not in changed and old is not None and old.exists():
                os.link(old, target)
                linked.add(service)
                continue
            # dict.items, not BackendDict.__getitem__ (which takes moto's backend lock for every account).
            document = {"version": PICKLE_VERSION, "saved_at": time.time(), "accounts": dict(dict.items(accounts))}
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
                if service in BLOB_SERVICES:
                    ValuePickler(handle, self.root / "values", values).dump(document)
                else:
                    pickle.dump(document, handle, protocol=pickle.HIGHEST_PROTOCOL)
                handle.flush()
                os.fsync(handle.fileno())
        write_new(partial / "_extras.pickle", pickle.dumps(extras(), protocol=pickle.HIGHEST_PROTOCOL))
        blobs: set[str] = set(blob_store.collecting or ()) if blob_store is not None else set()
        if previous is not None and linked:  # services carried over refer to the same bodies and values
            try:
                old_manifest = json.loads((previous / "manifest.json").read_text())
            except (OSError, ValueError):
                old_manifest = {}
            if "s3" in linked:
                blobs |= set(old_manifest.get("blobs", []))
            if linked & set(BLOB_SERVICES):
                values |= set(old_manifest.get("values", []))
        for path in unsynced_blobs:
            try:
                fsync_file(Path(path))
            except FileNotFoundError:
                pass  # replaced and collected already: nothing refers to it
        if blob_store is not None and blob_store.directory.exists():
            for folder in {Path(p).parent for p in unsynced_blobs}:
                if folder.exists():
                    fsync_dir(folder)
            fsync_dir(blob_store.directory)
        manifest = {"format": FORMAT, "seq": seq, "saved_at": time.time(), "versions": versions(),
                    "services": sorted(backends), "blobs": sorted(blobs), "values": sorted(values)}
        write_new(partial / "manifest.json", json.dumps(manifest).encode())
        fsync_dir(partial)
        final = self.root / f"snap-{seq:012d}"
        shutil.rmtree(final, ignore_errors=True)
        if parent_pid is not None and os.getppid() != parent_pid:
            raise RuntimeError("the server that forked this snapshot is gone; not committing")
        os.rename(partial, final)
        fsync_dir(self.root)
        write_atomic(self.root / "CURRENT", json.dumps({"snapshot": final.name}).encode())

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
        for path in self.root.glob("snap-*"):
            if path != current and not path.name.endswith(".partial"):
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
        os.close(read_end)
        status = 0
        try:
            _close_sockets()
            _die_with_parent()
            write()
        except BaseException:
            status = 1
            try:
                os.write(write_end, traceback.format_exc().encode()[-4000:])
            except BaseException:
                pass
        os._exit(status)
    os.close(write_end)
    return pid, read_end


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
    if os.waitstatus_to_exitcode(status) == 0:
        return None
    message = b"".join(chunks).decode(errors="replace").strip()
    return message or f"the snapshot writer exited with status {os.waitstatus_to_exitcode(status)}"
