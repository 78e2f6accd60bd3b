"""Deployment packages and layers on disk: each unpacked once, by content hash, under the state dir.

The unpacked tree plays /var/task (LAMBDA_TASK_ROOT) or one layer's /opt; environments of every
version with the same code share it, read-only by convention.

A zip is checked before it is accepted (CreateFunction, UpdateFunctionCode, PublishLayerVersion answer
InvalidParameterValueException as AWS does, aws/lambda_/code_checks.py) and again before it is unpacked:
no member may name a path outside the code directory (an absolute name, a `..` part), and the unpacked
size stays under AWS's 250 MB quota (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
import uuid
import zipfile
from pathlib import Path, PurePosixPath

_lock = threading.Lock()

UNZIPPED_LIMIT = 262_144_000  # bytes; AWS's "250 MB (unzipped)" deployment package quota
# AWS's messages for each way a deployment package is refused (InvalidParameterValueException).
UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."
TOO_LARGE = f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes"


class InvalidPackage(Exception):
    """A deployment package AWS would refuse; str() is AWS's message."""


def _escapes(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")  # C:\...


def check(code: bytes) -> list[zipfile.ZipInfo]:
    """The members of `code`, or InvalidPackage with AWS's message."""
    try:
        with zipfile.ZipFile(io.BytesIO(code)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidPackage(UNZIP_FAILED) from None
    if any(_escapes(member.filename) for member in members):
        raise InvalidPackage(UNZIP_FAILED)
    if sum(member.file_size for member in members) >= UNZIPPED_LIMIT:
        raise InvalidPackage(TOO_LARGE)
    return members


def unpack(root: Path, code: bytes) -> Path:
    """The directory holding `code` (a zip) unpacked, keyed by its SHA-256; unpacked on first use."""
    digest = hashlib.sha256(code).hexdigest()
    target = root / digest
    if target.is_dir():
        return target
    with _lock:
        if target.is_dir():
            return target
        members = check(code)
        staging = root / f".{digest}.{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        try:
            with zipfile.ZipFile(io.BytesIO(code)) as archive:
                for member in members:
                    written = Path(archive.extract(member, staging))
                    mode = member.external_attr >> 16
                    if mode and not member.is_dir() and not written.is_symlink():
                        # keep executable bits (bundled binaries); on the file just written, nothing else
                        written.chmod(mode & 0o777 | 0o400)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


def layer_paths(layer_dir: Path, python_version: str) -> list[Path]:
    """What AWS puts on sys.path for one layer unpacked under /opt."""
    return [layer_dir / "python" / "lib" / f"python{python_version}" / "site-packages", layer_dir / "python"]
