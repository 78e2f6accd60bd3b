"""Image layers as reproducible tar.gz blobs: the same files give the same bytes, so the same digest.

Entries sorted by path, every parent directory listed, owner root (uid/gid 0, no names), mtime 0 (the
SOURCE_DATE_EPOCH convention), modes 0755 for directories and executables and 0644 otherwise, gzip without
a name or time stamp. The OCI image spec's layer rules (image-spec/layer.md) are what a runtime expects:
paths relative to the root, no leading "/".
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import PurePosixPath

FIXED_MTIME = 0


@dataclass(frozen=True)
class Entry:
    """A file of a layer: its bytes and whether it is executable (None: a directory)."""

    data: bytes | None
    executable: bool = False
    mode: int | None = None  # --chmod overrides


@dataclass(frozen=True)
class Layer:
    blob: bytes  # gzip'd tar, as pushed
    diff_id: str  # sha256 of the uncompressed tar (the config's rootfs.diff_ids)

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.blob).hexdigest()


def _parents(path: PurePosixPath) -> list[str]:
    return [str(parent) for parent in reversed(path.parents) if str(parent) not in (".", "/", "")]


def build(entries: dict[str, Entry]) -> Layer:
    """`entries`: image path ("/var/task/app.py" or "var/task/app.py") -> Entry."""
    files: dict[str, Entry] = {}
    for raw_path, entry in entries.items():
        path = PurePosixPath(raw_path.lstrip("/"))
        for parent in _parents(path):
            files.setdefault(parent, Entry(None))
        files[str(path)] = entry
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            entry = files[name]
            info = tarfile.TarInfo(name)
            info.mtime = FIXED_MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if entry.data is None:
                info.type = tarfile.DIRTYPE
                info.mode = entry.mode or 0o755
                archive.addfile(info)
            else:
                info.size = len(entry.data)
                info.mode = entry.mode or (0o755 if entry.executable else 0o644)
                archive.addfile(info, io.BytesIO(entry.data))
    tar = raw.getvalue()
    return Layer(gzip.compress(tar, compresslevel=6, mtime=FIXED_MTIME), "sha256:" + hashlib.sha256(tar).hexdigest())
