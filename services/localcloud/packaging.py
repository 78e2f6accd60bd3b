"""Build deterministic Lambda zips outside Terraform (no archive provider is available offline).

Same inputs, same bytes: entries sorted, timestamps fixed, permissions normalised, so
`source_code_hash = filebase64sha256(...)` changes only when the code or its requirements change.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
SKIP_PARTS = {"__pycache__", ".pytest_cache", "events", "tests"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


class BuildError(Exception):
    pass


def _files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not (SKIP_PARTS & set(p.relative_to(root).parts)) and p.suffix not in SKIP_SUFFIXES
    )


def write_zip(sources: list[tuple[Path, str]], target: Path) -> str:
    """Zip (root, prefix) trees into `target`; returns the base64-free SHA-256 hex of the result.

    Entries whose bytes are unchanged since the previous build of `target` keep their compressed data,
    copied as it is, instead of being compressed again: the same zlib at the same level gives the same
    bytes, so the zip is identical, and a handler edit in a function with 13 MB of wheels rebuilds in
    tens of milliseconds instead of 0.6 s (`localcloud dev`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    entries: dict[str, Path] = {}
    for root, prefix in sources:
        for path in _files(root):
            entries[prefix + path.relative_to(root).as_posix()] = path
    with _previous_entries(target) as previous, \
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o755 if entries[name].stat().st_mode & 0o111 else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = entries[name].read_bytes()
            raw = previous.compressed(name, data)
            if raw is None:
                archive.writestr(info, data)
            else:
                _write_compressed(archive, info, data, raw)
    partial.replace(target)
    return hashlib.sha256(target.read_bytes()).hexdigest()


class _PreviousZip:
    """The compressed data of a zip's entries, by name, for entries whose content is unchanged."""

    def __init__(self, archive: zipfile.ZipFile | None) -> None:
        self.archive = archive
        self.infos = {info.filename: info for info in archive.infolist()} if archive else {}

    def compressed(self, name: str, data: bytes) -> bytes | None:
        info = self.infos.get(name)
        if (info is None or info.compress_type != zipfile.ZIP_DEFLATED or info.file_size != len(data)
                or info.flag_bits & 0x08 or info.CRC != zlib.crc32(data)):
            return None
        handle = self.archive.fp
        handle.seek(info.header_offset)
        header = struct.unpack(zipfile.structFileHeader, handle.read(zipfile.sizeFileHeader))
        handle.seek(header[zipfile._FH_FILENAME_LENGTH] + header[zipfile._FH_EXTRA_FIELD_LENGTH], 1)
        return handle.read(info.compress_size)


@contextmanager
def _previous_entries(target: Path) -> Iterator[_PreviousZip]:
    try:
        archive = zipfile.ZipFile(target)
    except (OSError, zipfile.BadZipFile):
        yield _PreviousZip(None)
        return
    with archive:
        yield _PreviousZip(archive)


def _write_compressed(archive: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes, raw: bytes) -> None:
    """What ZipFile.writestr writes for `info` and `data`, with the compressed bytes given (its header is
    written once, with the final CRC and sizes, as writestr leaves it on a seekable file)."""
    info.file_size, info.compress_size, info.CRC = len(data), len(raw), zlib.crc32(data)
    info.flag_bits = 0
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
    archive.fp.seek(archive.start_dir)
    info.header_offset = archive.fp.tell()
    archive._writecheck(info)
    archive._didModify = True
    archive.fp.write(info.FileHeader(zip64))
    archive.fp.write(raw)
    archive.start_dir = archive.fp.tell()
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info


def install_requirements(requirements: Path, into: Path, python_version: str = "3.11") -> None:
    """pip-install a function's requirements for the Lambda platform (manylinux x86_64)."""
    lines = [line for line in requirements.read_text().splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(into),
               "--platform", PLATFORM, "--implementation", "cp", "--python-version", python_version,
               "--only-binary=:all:", "-r", str(requirements)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"Installing {requirements} failed, so its function was not built:\n{result.stderr[-1500:]}\n"
                         "Check the package names and that a manylinux wheel exists for them.")


PLATFORM = "manylinux2014_x86_64"
CACHE_DIR = ".cache/requirements"  # under the build output; `make clean` removes it with the zips


def cached_requirements(requirements: Path, cache_root: Path, python_version: str = "3.11") -> Path | None:
    """The folder holding `requirements` installed for Lambda, installed once per distinct file content.

    A handler edit then rebuilds its zip in milliseconds instead of a pip run (1-2 s even for one wheel),
    which is what makes `localcloud dev` fast; and the same requirements give the same files, every build."""
    if not requirements.is_file() or not any(line.strip() and not line.startswith("#")
                                             for line in requirements.read_text().splitlines()):
        return None
    key = hashlib.sha256(f"{python_version}\0{PLATFORM}\0".encode() + requirements.read_bytes()).hexdigest()
    target = cache_root / key
    if target.is_dir():
        return target
    staging = cache_root / f".{key}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        install_requirements(requirements, staging, python_version)
        staging.rename(target)
    except OSError:  # another build installed the same set meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


SHARED_DIR = "shared"  # lambdas/shared/: code every function's zip carries (one copy in the repository)


def inputs_digest(*source_dirs: Path) -> str:
    """What a zip is made of: every source file's path and bytes (requirements.txt included)."""
    digest = hashlib.sha256()
    for source_dir in source_dirs:
        for path in _files(source_dir):
            digest.update(path.relative_to(source_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _up_to_date(target: Path, digest: str) -> bool:
    stamp = target.with_suffix(".inputs")
    return target.is_file() and stamp.is_file() and stamp.read_text() == digest


def _stamp(target: Path, digest: str) -> None:
    target.with_suffix(".inputs").write_text(digest)


def build_function(function_dir: Path, out_dir: Path) -> tuple[Path, bool]:
    """lambdas/<name>/ (+ its requirements.txt) -> build/lambdas/<name>.zip. (zip, whether it was rebuilt):
    skipped when its inputs are unchanged."""
    target = out_dir / f"{function_dir.name}.zip"
    shared = function_dir.parent / SHARED_DIR
    shared_sources = [shared] if shared.is_dir() else []
    digest = inputs_digest(function_dir, *shared_sources)
    if _up_to_date(target, digest):
        return target, False
    deps = cached_requirements(function_dir / "requirements.txt", out_dir.parent / CACHE_DIR)
    with tempfile.TemporaryDirectory() as scratch:
        code = Path(scratch) / "code"
        # A Dockerfile builds the function's image variant (container_images.py); the zip does not carry it.
        shutil.copytree(function_dir, code, ignore=shutil.ignore_patterns("requirements.txt", "Dockerfile",
                                                                           ".dockerignore", *SKIP_PARTS))
        write_zip([*([(deps, "")] if deps else []), *((d, "") for d in shared_sources), (code, "")], target)
    _stamp(target, digest)
    return target, True


def build_layer(layer_dir: Path, out_dir: Path) -> tuple[Path, bool]:
    """lambdas/layers/<name>/requirements.txt -> build/layers/<name>.zip, packages under python/ as Lambda expects."""
    target = out_dir / f"{layer_dir.name}.zip"
    digest = inputs_digest(layer_dir)
    if _up_to_date(target, digest):
        return target, False
    deps = cached_requirements(layer_dir / "requirements.txt", out_dir.parent / CACHE_DIR)
    with tempfile.TemporaryDirectory() as scratch:
        write_zip([(deps or Path(scratch), "python/")], target)
    _stamp(target, digest)
    return target, True


def function_dirs(source: Path) -> list[Path]:
    """The functions under `source`: folders with a handler.py."""
    return sorted(p for p in source.glob("*") if (p / "handler.py").exists())


def layer_dirs(source: Path) -> list[Path]:
    """The layers: source/layers/<name>/requirements.txt."""
    return sorted(p for p in (source / "layers").glob("*") if (p / "requirements.txt").exists())


def build_all(source: Path, out: Path, report=print) -> list[Path]:
    """Build every function (a folder with handler.py) and every layer under `source`."""
    built = []
    jobs = ([(build_function, d, out / "lambdas") for d in function_dirs(source)]
            + [(build_layer, d, out / "layers") for d in layer_dirs(source)])
    for index, (build, source_dir, target_dir) in enumerate(jobs, 1):
        target, rebuilt = build(source_dir, target_dir)
        built.append(target)
        report(f"[{index}/{len(jobs)}] {'built' if rebuilt else 'up to date'} {target}")
    if not built:
        report(f"nothing to build under {source}")
    return built
