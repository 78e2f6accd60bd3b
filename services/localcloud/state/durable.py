"""Writes that survive a crash: temp file, fsync, rename, fsync of the directory. Private modes throughout.

A rename is atomic, but without the fsyncs a crash can leave the new name pointing at an empty file
(the data was still in the page cache) or the old name back (the directory entry was not yet on disk).
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) 0700; tighten an existing one we own."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(DIR_MODE)
    except PermissionError:  # not ours: the caller's later writes will say so
        pass
    return path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new(path: Path, data: bytes) -> None:
    """Write a file that did not exist, fsynced (its directory is synced by the caller, once for many)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new content, whole."""
    partial = path.with_name(path.name + ".partial")
    write_new(partial, data)
    os.replace(partial, path)
    fsync_dir(path.parent)
