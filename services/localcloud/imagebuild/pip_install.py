"""`RUN pip install ...` evaluated without the image: which command lines qualify, what they ask for, and
installing it for the image's Python and architecture (manylinux wheels only: nothing is compiled, as
nothing could be for Amazon Linux here), cached by what goes in.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from localcloud.imagebuild import layers
from localcloud.imagebuild.base import Base
from localcloud.imagebuild.dockerfile import DockerfileError

FLAGS_IGNORED = {"--no-cache-dir", "-U", "--upgrade", "--no-compile", "-q", "--quiet", "--disable-pip-version-check",
                 "--prefer-binary", "--no-warn-script-location", "--compile"}
FLAGS_KEPT = {"--no-deps", "--no-index", "--pre"}
OPTIONS_KEPT = {"-i": "--index-url", "--index-url": "--index-url", "--extra-index-url": "--extra-index-url",
                "-f": "--find-links", "--find-links": "--find-links", "-c": "--constraint", "--constraint": "--constraint"}
OPTIONS_IGNORED = {"--root-user-action", "--only-binary", "--progress-bar", "--platform", "--python-version",
                   "--implementation", "--abi"}


class PipRefused(ValueError):
    """A pip command line that needs the real image (a build from source, an unknown option)."""


@dataclass
class Plan:
    """What a `pip install` line asks for; paths are image paths (resolved against WORKDIR)."""

    target: str | None = None  # -t/--target; None: the base image's site-packages
    requirement_files: list[str] = field(default_factory=list)
    constraint_files: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)  # image directories (URLs go into `options`)
    options: list[str] = field(default_factory=list)  # passed to pip as they are
    packages: list[str] = field(default_factory=list)


def arguments(words: list[str]) -> list[str] | None:
    """The arguments after `install` of a pip command line (pip, pip3, python -m pip), or None."""
    if not words:
        return None
    program = PurePosixPath(words[0]).name
    rest = words[1:]
    if program.startswith("python"):
        if rest[:2] != ["-m", "pip"]:
            return None
        rest = rest[2:]
    elif not program.startswith("pip"):
        return None
    if not rest or rest[0] != "install":
        return None
    return rest[1:]


def plan(words: list[str], absolute: Callable[[str], str]) -> Plan:
    """Read pip's arguments; `absolute` turns a path of the command line into an image path. Raises PipRefused."""
    found = Plan()
    position = 0
    while position < len(words):
        word = words[position]
        name, equals, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        value = inline if equals else (words[position + 1] if position + 1 < len(words) else "")
        takes_value = not equals
        if name in ("-r", "--requirement"):
            found.requirement_files.append(absolute(value))
        elif name in ("-t", "--target"):
            found.target = absolute(value)
        elif name in OPTIONS_KEPT:
            option = OPTIONS_KEPT[name]
            if option == "--find-links" and "://" not in value:
                found.find_links.append(absolute(value))
            elif option == "--constraint":
                found.constraint_files.append(absolute(value))
            else:
                found.options += [option, value]
        elif name in OPTIONS_IGNORED:
            pass
        elif word in FLAGS_IGNORED or word in FLAGS_KEPT:
            if word in FLAGS_KEPT:
                found.options.append(word)
            takes_value = False
        elif word.startswith("-"):
            raise PipRefused(f"pip option {word} is not supported without Docker")
        else:
            if word.startswith((".", "/", "git+")) or "://" in word:
                raise PipRefused(f"{word}: installing from a path or URL builds from source")
            found.packages.append(word)
            takes_value = False
        position += 2 if takes_value else 1
    if not found.requirement_files and not found.packages:
        raise PipRefused("pip install names nothing to install")
    return found


def platforms(base: Base) -> list[str]:
    """The wheel platforms Lambda's Amazon Linux takes: manylinux2014 (glibc 2.17) everywhere, up to
    manylinux_2_28 on Python 3.12+ (Amazon Linux 2023, glibc 2.34)."""
    arch = "x86_64" if base.architecture == "amd64" else "aarch64"
    found = [f"manylinux2014_{arch}"]
    if base.python_version not in ("3.8", "3.9", "3.10", "3.11"):
        found.insert(0, f"manylinux_2_28_{arch}")
    return found


def install(base: Base, options: list[str], requirement_files: list[Path], packages: list[str], cache_dir: Path,
            report: Callable[[str], None]) -> Path:
    """The folder holding the packages installed (pip --target), from the cache when the same inputs were
    installed before. Raises DockerfileError with pip's own words when pip fails."""
    wanted = platforms(base)
    key = hashlib.sha256(json.dumps([base.python_version, wanted, options, packages]).encode())
    for file in requirement_files:
        key.update(file.read_bytes())
    for option, value in itertools.pairwise(options):
        if option in ("--find-links", "--constraint") and Path(value).exists():
            for path in sorted(Path(value).iterdir()) if Path(value).is_dir() else [Path(value)]:
                key.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    target = cache_dir / key.hexdigest()
    if target.is_dir():
        report(f"pip install: cached ({target.name[:12]})")
        return target
    staging = cache_dir / f".{key.hexdigest()}.{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check",
               "--target", str(staging), "--implementation", "cp", "--python-version", base.python_version,
               "--only-binary=:all:", *(f"--platform={p}" for p in wanted), *options,
               *(arg for file in requirement_files for arg in ("-r", str(file))), *packages]
    report(f"pip install for Python {base.python_version} linux/{base.architecture}: "
           f"{' '.join(packages + [f'-r {f.name}' for f in requirement_files])}")
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise DockerfileError(f"pip install for the image failed, so it was not built:\n{result.stderr[-1500:]}\n"
                              "Check the package names and that a manylinux wheel exists for Python "
                              f"{base.python_version} on {wanted[-1]} or older.")
    try:
        staging.rename(target)
    except OSError:  # another build installed the same set meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return target


def entries(installed: Path, target: str, python_version: str) -> dict[str, layers.Entry]:
    """The installed files as layer entries under `target`; console scripts run the image's Python."""
    found: dict[str, layers.Entry] = {}
    for file in sorted(p for p in installed.rglob("*") if p.is_file()):
        relative = file.relative_to(installed).as_posix()
        data = file.read_bytes()
        if relative.startswith("bin/") and data.startswith(b"#!") and b"\n" in data:
            data = f"#!/var/lang/bin/python{python_version}".encode() + data[data.index(b"\n"):]
        found[str(PurePosixPath(target) / relative)] = layers.Entry(data, executable=os.access(file, os.X_OK))
    return found
