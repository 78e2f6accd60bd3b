"""Deployment packages and layers on disk: each unpacked once, by content hash, under the state dir.

The unpacked tree plays /var/task (LAMBDA_TASK_ROOT) or one layer's /opt; environments of every
version with the same code share it, read-only by convention.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
import uuid
import zipfile
from pathlib import Path

_lock = threading.Lock()


def unpack(root: Path, code: bytes) -> Path:
    """The directory holding `code` (a zip) unpacked, keyed by its SHA-256; unpacked on first use."""
    digest = hashlib.sha256(code).hexdigest()
    target = root / digest
    if target.is_dir():
        return target
    with _lock:
        if target.is_dir():
            return target
        staging = root / f".{digest}.{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        try:
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                for member in archive.infolist():
                    archive.extract(member, staging)
                    mode = member.external_attr >> 16
                    if mode and not member.is_dir():  # keep executable bits (bundled binaries)
                        (staging / member.filename).chmod(mode & 0o777 | 0o400)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


def layer_paths(layer_dir: Path, python_version: str) -> list[Path]:
    """What AWS puts on sys.path for one layer unpacked under /opt."""
    return [layer_dir / "python" / "lib" / f"python{python_version}" / "site-packages", layer_dir / "python"]
