"""S3 object bodies as files under <state>/blobs, referenced (not embedded) by the S3 snapshot.

moto keeps each body in a SpooledTemporaryFile and pickles its bytes into the snapshot, so a save cost
O(all bytes stored) and memory held every small body. Here a body is a file written once and never
changed: a new value is a new file, so a snapshot can point at files while requests go on, and a save
costs what changed. Files no snapshot and no live object refers to are removed after each snapshot.

The patch: moto.s3.models' `tempfile` is swapped for a shim whose SpooledTemporaryFile is a BlobBuffer
(FakeKey.__init__ and __setstate__ are its only users), and FakeKey pickles its buffer as a reference.
`installed()` says whether the patch is on; tests assert its targets still exist.
"""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from localcloud.state.durable import FILE_MODE, private_dir


class BlobStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._live: dict[str, int] = {}  # path -> buffers holding it
        self._unsynced: set[str] = set()
        self._lock = threading.Lock()
        # Set in a snapshot's child: every path its pickle referenced (what garbage collection keeps).
        self.collecting: set[str] | None = None

    def new_path(self) -> str:
        name = uuid.uuid4().hex
        folder = private_dir(self.directory / name[:2])
        return str(folder / name)

    def hold(self, path: str) -> None:
        with self._lock:
            self._live[path] = self._live.get(path, 0) + 1

    def release(self, path: str) -> None:
        with self._lock:
            left = self._live.get(path, 0) - 1
            if left > 0:
                self._live[path] = left
            else:
                self._live.pop(path, None)

    def wrote(self, path: str) -> None:
        self._unsynced.add(path)

    def take_unsynced(self) -> list[str]:
        """Paths written since the last call; a snapshot fsyncs them before it refers to them."""
        with self._lock:
            taken, self._unsynced = list(self._unsynced), set()
        return taken

    def give_back(self, paths: list[str]) -> None:
        """Paths a failed snapshot did not get to sync: the next one does."""
        with self._lock:
            self._unsynced.update(paths)

    def collect_garbage(self, referenced: set[str]) -> int:
        """Remove files neither the committed snapshot nor a live object refers to; returns how many."""
        if not self.directory.exists():
            return 0
        on_disk = [str(p) for p in self.directory.glob("*/*") if not p.name.endswith(".partial")]
        with self._lock:
            live = set(self._live)
        removed = 0
        for path in on_disk:
            if path not in referenced and path not in live:
                try:
                    os.unlink(path)
                    removed += 1
                except FileNotFoundError:
                    pass
        return removed


store: BlobStore | None = None


class BlobBuffer:
    """The file-like object FakeKey expects (seek, tell, read, write, truncate, close), on a blob file."""

    def __init__(self, path: str | None = None, size: int = 0) -> None:
        self.path = path
        self.size = size
        self._position = 0
        self._writer: Any = None
        self.closed = False
        if path is not None and store is not None:
            store.hold(path)

    def seek(self, position: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: self.size}[whence]
        self._position = base + position
        return self._position

    def tell(self) -> int:
        return self._position

    def truncate(self, size: int | None = None) -> int:
        size = self._position if size is None else size
        if size != 0:
            raise OSError("a blob can only be emptied; a new value is a new file")
        self._end_write()
        self._drop_path()
        self.size = 0
        return 0

    def write(self, data: bytes) -> int:
        if self._writer is None:
            if self.size:  # appending to a sealed blob: copy-on-write would be needed; moto never does it
                raise OSError("a written blob is immutable")
            assert store is not None, "the blob store is not installed"
            self._drop_path()
            self.path = store.new_path()
            store.hold(self.path)
            self._writer = open(self.path, "wb", buffering=0, opener=_private_opener)
        self._writer.write(data)
        self.size += len(data)
        self._position += len(data)
        return len(data)

    def read(self, count: int = -1) -> bytes:
        self._end_write()
        if self.path is None or self._position >= self.size:
            return b""
        with open(self.path, "rb") as handle:
            handle.seek(self._position)
            data = handle.read() if count is None or count < 0 else handle.read(count)
        self._position += len(data)
        return data

    def close(self) -> None:
        self._end_write()
        self._drop_path()
        self.closed = True

    def _end_write(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            if store is not None and self.path:
                store.wrote(self.path)

    def _drop_path(self) -> None:
        if self.path is not None and store is not None:
            store.release(self.path)
        self.path = None

    def __reduce__(self) -> tuple:
        self._end_write()
        if store is not None and store.collecting is not None and self.path:
            store.collecting.add(self.path)
        return _open_blob, (self.path, self.size)

    def __del__(self) -> None:
        try:
            if not self.closed:
                self.close()
        except Exception:
            pass


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, FILE_MODE)


def _open_blob(path: str | None, size: int) -> BlobBuffer:
    if path is not None and not os.path.exists(path):
        raise FileNotFoundError(f"the S3 object body {path} is missing from the state directory")
    return BlobBuffer(path, size)


class TempfileShim:
    """moto.s3.models' view of `tempfile` (moto_patches/s3.py installs it): SpooledTemporaryFile is a blob
    once the store is installed, the rest is the real module."""

    @staticmethod
    def SpooledTemporaryFile(*args: Any, **kwargs: Any) -> Any:
        return BlobBuffer() if store is not None else tempfile.SpooledTemporaryFile(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(tempfile, name)


def key_getstate(original: Any, self: Any) -> dict[str, Any]:
    """FakeKey.__getstate__ (moto_patches/s3.py): a blob-backed key pickles its blob's reference."""
    if not isinstance(self.__dict__.get("_value_buffer"), BlobBuffer):
        return original(self)
    state = self.__dict__.copy()
    del state["lock"]
    return state


def key_setstate(original: Any, self: Any, state: dict[str, Any]) -> None:
    """FakeKey.__setstate__ (moto_patches/s3.py)."""
    if "value" in state:  # a snapshot from before blobs: moto's own path moves the bytes into a blob
        original(self, state)
        return
    self.__dict__.update(state)
    self.lock = threading.Lock()


def install(directory: Path) -> BlobStore:
    """Keep S3 bodies under `directory` from now on (before any snapshot is restored). The moto side is
    in moto_patches/s3.py; the server applies it at start, callers without the server here."""
    global store
    from localcloud.moto_patches import apply, s3

    if store is None:
        store = BlobStore(private_dir(directory))
    apply(s3.PATCHES)
    return store


def installed() -> bool:
    return store is not None
