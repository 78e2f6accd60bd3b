"""Image blobs (layers, configs) as content-addressed files under <state>/ecr/blobs, and uploads in progress.

A blob is written once under its digest and never changed: `blobs/sha256/<2 hex>/<64 hex>`. It appears
there only whole: bytes go to a file in `uploads/`, are checked against the digest the client claims, then
renamed into place (fsynced first), so a crash leaves either no blob or the whole blob, never half of one.
An upload in progress is a file in `uploads/<id>` (its size is the offset the next chunk must start at),
with `uploads/<id>.json` naming its repository, so a chunked upload even survives a restart.

Which repository may read a blob is not kept here: that is moto's `Repository.layers` (control.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from localcloud.state.durable import FILE_MODE, fsync_dir, private_dir

DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
CHUNK = 1024 * 1024


class DigestMismatch(ValueError):
    """The bytes uploaded do not have the digest the client named (OCI: DIGEST_INVALID)."""


class UploadUnknown(LookupError):
    """No upload in progress has this id (OCI: BLOB_UPLOAD_UNKNOWN)."""


class RangeInvalid(ValueError):
    """A chunk that does not start where the upload ends (OCI: 416 Range Not Satisfiable)."""


@dataclass(frozen=True)
class Upload:
    id: str
    repository: str
    offset: int  # bytes received so far


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.blobs = root / "blobs" / "sha256"
        self.uploads = root / "uploads"

    # -- blobs ---------------------------------------------------------------------------------------
    def path(self, digest: str) -> Path:
        """Where the blob with `digest` lives (whether or not it is there). Raises ValueError for a digest
        that is not sha256:<64 hex> (the only algorithm ECR accepts)."""
        if not DIGEST.match(digest):
            raise ValueError(f"{digest!r} is not a sha256 digest (sha256:<64 hex digits>)")
        hexdigest = digest.split(":", 1)[1]
        return self.blobs / hexdigest[:2] / hexdigest

    def has(self, digest: str) -> bool:
        try:
            return self.path(digest).is_file()
        except ValueError:
            return False

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def put(self, data: bytes, expected: str | None = None) -> str:
        """Store `data` whole (one request's monolithic upload); returns its digest. Raises DigestMismatch."""
        upload = self.start("")
        self.append(upload.id, data, start=0)
        return self.finish(upload.id, expected or digest_of(data))

    # -- uploads -------------------------------------------------------------------------------------
    def start(self, repository: str) -> Upload:
        private_dir(self.uploads)
        upload_id = str(uuid.uuid4())
        fd = os.open(self.uploads / upload_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        os.close(fd)
        (self.uploads / f"{upload_id}.json").write_text(json.dumps({"repository": repository}))
        return Upload(upload_id, repository, 0)

    def upload(self, upload_id: str) -> Upload:
        data_file, meta = self._upload_files(upload_id)
        try:
            repository = json.loads(meta.read_text())["repository"]
            return Upload(upload_id, repository, data_file.stat().st_size)
        except (OSError, ValueError, KeyError):
            raise UploadUnknown(upload_id) from None

    def append(self, upload_id: str, data: bytes, start: int | None = None) -> Upload:
        """Add a chunk; `start` (from Content-Range) must be where the upload ends. Raises RangeInvalid."""
        upload = self.upload(upload_id)
        if start is not None and start != upload.offset:
            raise RangeInvalid(f"the chunk starts at byte {start}, but the upload holds {upload.offset} bytes; "
                               f"send the chunk that starts at {upload.offset}")
        with open(self._upload_files(upload_id)[0], "ab") as handle:
            handle.write(data)
        return Upload(upload_id, upload.repository, upload.offset + len(data))

    def finish(self, upload_id: str, expected: str) -> str:
        """Check the upload's bytes against `expected` and move them into place, whole; returns the digest.
        Raises DigestMismatch (the upload is then discarded, as a registry does) or ValueError (bad digest)."""
        target = self.path(expected)
        data_file, meta = self._upload_files(upload_id)
        self.upload(upload_id)  # raises UploadUnknown
        hasher = hashlib.sha256()
        with open(data_file, "rb") as handle:
            while chunk := handle.read(CHUNK):
                hasher.update(chunk)
            os.fsync(handle.fileno())
        actual = "sha256:" + hasher.hexdigest()
        if actual != expected:
            self.cancel(upload_id)
            raise DigestMismatch(f"the uploaded bytes have digest {actual}, not {expected}")
        private_dir(target.parent)
        os.replace(data_file, target)
        os.utime(target)  # its age is since it was completed
        fsync_dir(target.parent)
        meta.unlink(missing_ok=True)
        return actual

    def collect_garbage(self, referenced: set[str], min_age: float = 0.0,
                        upload_age: float = 86400.0) -> tuple[int, int]:
        """Remove blobs not in `referenced` (completed over `min_age` seconds ago) and uploads left unfinished
        for `upload_age`. Returns (blobs removed, uploads removed). The caller holds the registry's lock, so
        a blob completing meanwhile is already linked to its repository (service.RegistryService.lock)."""
        now = time.time()
        removed = [0, 0]
        for path in self.blobs.glob("*/*") if self.blobs.exists() else []:
            try:
                if f"sha256:{path.name}" not in referenced and now - path.stat().st_mtime > min_age:
                    path.unlink()
                    removed[0] += 1
            except FileNotFoundError:
                pass
        for path in self.uploads.glob("*") if self.uploads.exists() else []:
            try:
                if now - path.stat().st_mtime > upload_age:
                    path.unlink()
                    removed[1] += path.suffix != ".json"
            except FileNotFoundError:
                pass
        return removed[0], removed[1]

    def cancel(self, upload_id: str) -> None:
        for path in self._upload_files(upload_id):
            path.unlink(missing_ok=True)

    def _upload_files(self, upload_id: str) -> tuple[Path, Path]:
        try:
            uuid.UUID(upload_id)
        except ValueError:
            raise UploadUnknown(upload_id) from None
        return self.uploads / upload_id, self.uploads / f"{upload_id}.json"
