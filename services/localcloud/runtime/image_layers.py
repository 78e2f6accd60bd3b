"""A container image's layers, unpacked once per image digest into the parts Lambda's Python runtime reads.

An image built FROM the AWS Lambda Python base image is, for Lambda's purposes, its /var/task (the code),
its /opt (what layers would hold), the site-packages of its interpreter (what `RUN pip install` without
`-t` adds: /var/lang/lib/python3.x/site-packages) and its config. Only those trees are written to disk;
the rest of the file system (the base's Amazon Linux, its Python) is read for its names only, to tell
which Python the image carries (/var/lang/bin/python3.x) and whether it has the Lambda entry point.

Layers are applied in order with the OCI whiteouts (image-spec layer.md, "Whiteouts"): `.wh.<name>`
deletes <name> from the layers below, `.wh..wh..opq` empties its directory of what the layers below put
there. A member naming a path outside the tree (absolute, `..`) or a device is skipped, as an unpacker
must not let an image write outside its root.
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

WHITEOUT_PREFIX = ".wh."
OPAQUE = ".wh..wh..opq"
# What we unpack, by the image path's first parts -> the directory under the image's cache entry.
TASK, OPT = ("var", "task"), ("opt",)
LANG_SITE = re.compile(r"^var/lang/lib/python(3\.\d+)/site-packages(/|$)")
LANG_BINARY = re.compile(r"^var/lang/bin/python(3\.\d+)$")
MARKERS = ("lambda-entrypoint.sh", "var/runtime/bootstrap", "usr/local/bin/aws-lambda-rie")
_lock = threading.Lock()


class UnreadableImage(Exception):
    """A layer could not be read (compression we lack, a truncated blob); the message says which."""


@dataclass(frozen=True)
class UnpackedImage:
    """An image's Lambda-relevant trees on disk and what its layers showed about it."""

    root: Path
    pythons: tuple[str, ...]  # versions of /var/lang/bin/python3.x found, e.g. ("3.12",)
    markers: tuple[str, ...]  # which of MARKERS exist in the image

    @property
    def task(self) -> Path:
        return self.root / "task"

    @property
    def opt(self) -> Path:
        return self.root / "opt"

    @property
    def lang_layer(self) -> Path:
        """/var/lang/lib/python3.x/site-packages, laid out as a layer (python/lib/python3.x/site-packages):
        the runtime puts it on the import path (and, in the sandbox, under /opt) as it does a layer's."""
        return self.root / "lang"


def _relative(name: str) -> str | None:
    """The member's path inside the image without leading ./ or /, or None when it escapes the root."""
    path = PurePosixPath(name.lstrip("/"))
    parts = [p for p in path.parts if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _destination(relative: str) -> str | None:
    """Where an image path goes under the cache entry, or None for paths Lambda's Python does not read."""
    parts = tuple(relative.split("/"))
    if parts[:2] == TASK:
        return "/".join(("task", *parts[2:]))
    if parts[:1] == OPT:
        return "/".join(("opt", *parts[1:]))
    site = LANG_SITE.match(relative)
    if site:
        rest = relative[site.end():]
        return f"lang/python/lib/python{site.group(1)}/site-packages" + (f"/{rest}" if rest else "")
    return None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _inside(staging: Path, destination: str) -> Path | None:
    """The host path of `destination`, or None when a symlink written by an earlier member would take it
    outside the staging tree."""
    target = staging / destination
    try:
        target.parent.resolve().relative_to(staging.resolve())
    except ValueError:
        return None
    return target


def _apply_layer(staging: Path, layer: Path, seen: dict[str, set[str]]) -> None:
    try:
        archive = tarfile.open(layer, mode="r:*")  # noqa: SIM115  (closed by the `with` below)
    except (tarfile.TarError, OSError) as exc:  # plain tar or gzip; zstd is not in the standard library
        raise UnreadableImage(f"the layer {layer.name} is not a tar or gzip tar archive ({exc}); localcloud reads "
                              "uncompressed and gzip layers (zstd layers need a Docker engine)") from None
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise UnreadableImage(f"the layer {layer.name} is truncated or corrupt ({exc})") from None
        # Whiteouts hide what the layers BELOW put there, never this layer's own files: apply them first.
        for member in members:
            relative = _relative(member.name)
            if relative is None:
                continue
            parent, _, base = relative.rpartition("/")
            if base == OPAQUE:
                seen["names"] = {n for n in seen["names"] if not n.startswith(parent + "/")} if parent else set()
                destination = _destination(parent) if parent else None
                if destination and (staging / destination).is_dir():
                    for child in (staging / destination).iterdir():
                        _remove(child)
            elif base.startswith(WHITEOUT_PREFIX):
                hidden = f"{parent}/{base[len(WHITEOUT_PREFIX):]}" if parent else base[len(WHITEOUT_PREFIX):]
                seen["names"] = {n for n in seen["names"] if n != hidden and not n.startswith(hidden + "/")}
                destination = _destination(hidden)
                if destination:
                    _remove(staging / destination)
        for member in members:
            relative = _relative(member.name)
            if relative is None or relative.rpartition("/")[2].startswith(WHITEOUT_PREFIX):
                continue
            seen["names"].add(relative)
            destination = _destination(relative)
            if destination is None or not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
                continue
            target = _inside(staging, destination)
            if target is None:
                continue
            _extract(archive, member, staging, target)


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, staging: Path, target: Path) -> None:
    if member.isdir():
        if target.exists() and not target.is_dir():
            _remove(target)
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        _remove(target)
    if member.issym():
        target.symlink_to(member.linkname)
        return
    if member.islnk():
        source = _relative(member.linkname)
        source_destination = _destination(source) if source else None
        if source_destination and (staging / source_destination).is_file():
            shutil.copyfile(staging / source_destination, target)
            target.chmod((member.mode & 0o777) | 0o400)
        return
    handle = archive.extractfile(member)
    if handle is None:
        return
    with handle, open(target, "wb") as out:
        shutil.copyfileobj(handle, out, 1 << 20)
    target.chmod((member.mode & 0o777) | 0o400)  # keep executable bits; the owner can always read


def unpack(cache_root: Path, digest: str, layers: list[Path]) -> UnpackedImage:
    """The image `digest` (its layer blobs, bottom first) unpacked under cache_root/<hex>; done once."""
    target = cache_root / digest.replace("sha256:", "")
    summary = target / ".localcloud-image.json"
    with _lock:
        if not summary.is_file():
            staging = cache_root / f".{target.name}.{uuid.uuid4().hex}"
            for part in ("task", "opt", "lang"):
                (staging / part).mkdir(parents=True)
            seen: dict[str, set[str]] = {"names": set()}
            try:
                for layer in layers:
                    _apply_layer(staging, layer, seen)
                names = seen["names"]
                pythons = sorted({m.group(1) for n in names if (m := LANG_BINARY.match(n))})
                markers = [marker for marker in MARKERS if marker in names]
                (staging / summary.name).write_text(json.dumps({"pythons": pythons, "markers": markers}))
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    found = json.loads(summary.read_text())
    return UnpackedImage(target, tuple(found["pythons"]), tuple(found["markers"]))
