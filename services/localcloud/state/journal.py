"""Write-ahead journal of mutating API requests: appended before the answer, fsynced in groups.

An entry reaches the operating system (os.write) before its request is answered, so a `kill -9` of the
local cloud loses no acknowledged write: the page cache outlives the process. A flusher fsyncs the
journal at most FSYNC_SECONDS after a write, which bounds the loss after a power cut or a kernel crash.
Measured (docs/state.md): one fsync per request would cost ~1-4 ms each here; grouped, it costs nothing
on the request path.

Layout: <state>/journal/<first seq, 12 digits>.wal, one segment per snapshot interval. A record is
`length (4 bytes) | crc32 (4 bytes) | pickle((seq, entry))`; a torn tail (the crash hit mid-append) fails
its length or checksum check and ends the replay there.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localcloud.state.durable import FILE_MODE, fsync_dir, private_dir

log = logging.getLogger("localcloud.journal")

FSYNC_SECONDS = 0.2
_HEADER = struct.Struct(">II")


class Journal:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._segment: Path | None = None
        self.next_seq = 1
        self.bytes_since_rotation = 0
        self._unsynced = False
        self._new_segment = False
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self.last_error: str | None = None

    # -- reading (at restore) ----------------------------------------------------------------------
    def segments(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob("*.wal"))

    def entries(self, after: int) -> Iterator[tuple[int, Any]]:
        """Every intact entry with seq > `after`, oldest first; stops at the first torn record."""
        for segment in self.segments():
            data = segment.read_bytes()
            offset = 0
            while offset < len(data):
                if offset + _HEADER.size > len(data):
                    log.warning("journal %s ends in a torn record header; replay stops there", segment.name)
                    return
                length, crc = _HEADER.unpack_from(data, offset)
                body = data[offset + _HEADER.size:offset + _HEADER.size + length]
                if len(body) != length or zlib.crc32(body) != crc:
                    log.warning("journal %s has a torn record at byte %d (a crash mid-append); replay stops there",
                                segment.name, offset)
                    return
                offset += _HEADER.size + length
                seq, entry = pickle.loads(body)
                self.next_seq = max(self.next_seq, seq + 1)
                if seq > after:
                    yield seq, entry

    # -- writing -----------------------------------------------------------------------------------
    def open(self, next_seq: int) -> None:
        """Start appending at `next_seq` in a new segment (after restore and replay)."""
        private_dir(self.directory)
        with self._lock:
            self.next_seq = max(self.next_seq, next_seq)
            self._retire(self._open_segment())
        fsync_dir(self.directory)
        if self._flusher is None:
            self._flusher = threading.Thread(target=self._flush_loop, name="journal-fsync", daemon=True)
            self._flusher.start()

    def _open_segment(self) -> int | None:
        """Switch to a new segment; returns the previous one's fd, still open (the caller syncs and closes
        it outside the gate: an fsync can take tens of milliseconds on a busy disk)."""
        previous = self._fd
        self._segment = self.directory / f"{self.next_seq:012d}.wal"
        self._fd = os.open(self._segment, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        self._new_segment = True
        self.bytes_since_rotation = 0
        return previous

    @staticmethod
    def _retire(fd: int | None) -> None:
        if fd is not None:
            os.fsync(fd)
            os.close(fd)

    def append(self, entry: Any) -> int:
        """Record `entry`; returns its seq. The bytes are in the OS before this returns."""
        with self._lock:
            seq = self.next_seq
            body = pickle.dumps((seq, entry), protocol=pickle.HIGHEST_PROTOCOL)
            record = _HEADER.pack(len(body), zlib.crc32(body)) + body
            if self._fd is None:
                raise RuntimeError("the journal is not open")
            view = memoryview(record)
            while view:
                view = view[os.write(self._fd, view):]
            self.next_seq = seq + 1
            self.bytes_since_rotation += len(record)
            self._unsynced = True
            return seq

    def rotate(self) -> tuple[int, int | None]:
        """Start the next segment; returns the last seq the earlier ones hold and the previous segment's fd,
        for `retire` once the gate is released. The caller holds the gate exclusively: no append in flight."""
        with self._lock:
            last = self.next_seq - 1
            return last, self._open_segment()

    def retire(self, fd: int | None) -> None:
        """fsync and close a rotated-out segment, and make the new segment's name durable."""
        self._retire(fd)
        fsync_dir(self.directory)

    def prune(self, upto: int) -> None:
        """Delete segments holding only entries <= `upto` (a snapshot holds them now): a segment's entries
        all come before the next segment's first seq, which is its name."""
        segments = self.segments()
        for segment, following in zip(segments, segments[1:]):
            if int(following.stem) <= upto + 1:
                segment.unlink(missing_ok=True)

    def sync(self) -> None:
        with self._lock:
            fd, self._unsynced = self._fd, False
            new_segment, self._new_segment = self._new_segment, False
        if new_segment:
            fsync_dir(self.directory)
        if fd is not None:
            try:
                os.fsync(fd)
                self.last_error = None
            except OSError as exc:
                self.last_error = f"fsync of the journal failed: {exc}"
                log.error("%s; acknowledged writes since the last fsync survive a crash of the local cloud but "
                          "not of the machine", self.last_error)

    def _flush_loop(self) -> None:
        while not self._stop.wait(FSYNC_SECONDS):
            if self._unsynced:
                self.sync()

    def close(self) -> None:
        self._stop.set()
        self.sync()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
