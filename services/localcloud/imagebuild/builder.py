"""Build a Lambda container image from a Dockerfile without a Docker engine, for the Lambda-shaped subset:

    FROM public.ecr.aws/lambda/python:3.x   (one stage; --platform=linux/amd64|arm64; the base is synthesised)
    ARG, ENV, LABEL, WORKDIR, CMD, ENTRYPOINT (exec or shell form)
    COPY / ADD of local files and directories (globs, .dockerignore; --chmod applied, --chown ignored)
    RUN pip install ... (pip/pip3/python -m pip; -r files copied earlier, packages, -t/--target, index and
        --find-links options): manylinux wheels for the image's Python and architecture, no builds from source
    USER (ignored: Lambda runs every image as its own user)

Anything else (other RUN commands, multi-stage builds, COPY --from, ADD of URLs or archives, other bases,
EXPOSE, VOLUME, HEALTHCHECK, SHELL, ...) is refused with the line and the reason: those need a Docker engine.

The image is reproducible: layers are sorted tars with fixed times (layers.py), the config has no creation
time, so the same Dockerfile and files give the same digest, and Terraform's image_uri does not change.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import os
import shlex
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from localcloud.imagebuild import base as bases
from localcloud.imagebuild import layers
from localcloud.imagebuild.dockerfile import DockerfileError, Instruction, key_values, parse, substitute

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
SUPPORTED = ("FROM public.ecr.aws/lambda/python:3.x, ARG, ENV, LABEL, WORKDIR, COPY, ADD (local files), "
             "RUN pip install, CMD, ENTRYPOINT, USER")
EVALUATED = ("ARG", "ENV", "LABEL", "WORKDIR", "USER", "CMD", "ENTRYPOINT", "COPY", "ADD", "RUN")
SKIPPED_ALWAYS = ("__pycache__", "*.pyc")  # as if .dockerignore held them: caches must not change the digest
PIP_FLAGS_IGNORED = {"--no-cache-dir", "-U", "--upgrade", "--no-compile", "-q", "--quiet", "--disable-pip-version-check",
                     "--prefer-binary", "--no-warn-script-location", "--compile"}
PIP_FLAGS_KEPT = {"--no-deps", "--no-index", "--pre"}
PIP_OPTIONS_KEPT = {"-i": "--index-url", "--index-url": "--index-url", "--extra-index-url": "--extra-index-url",
                    "-f": "--find-links", "--find-links": "--find-links", "-c": "--constraint",
                    "--constraint": "--constraint"}
PIP_OPTIONS_IGNORED = {"--root-user-action", "--only-binary", "--progress-bar", "--platform", "--python-version",
                       "--implementation", "--abi"}


class BuildRefused(DockerfileError):
    """The Dockerfile uses what only a Docker engine can build."""


@dataclass
class BuiltImage:
    manifest: bytes
    config: bytes
    layers: list[layers.Layer]
    notes: list[str] = field(default_factory=list)
    media_type: str = OCI_MANIFEST

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()

    @property
    def config_document(self) -> dict[str, Any]:
        return json.loads(self.config)

    def blobs(self) -> dict[str, bytes]:
        """Every blob to push, layers first (a manifest may only name blobs already pushed)."""
        found = {layer.digest: layer.blob for layer in self.layers}
        found["sha256:" + hashlib.sha256(self.config).hexdigest()] = self.config
        return found


@dataclass
class _State:
    base: bases.Base
    env: dict[str, str]
    workdir: str
    labels: dict[str, str]
    entrypoint: list[str] | None
    cmd: list[str] | None
    args: dict[str, str]
    files: dict[str, Path] = field(default_factory=dict)  # image path -> context file (pip -r / --find-links)
    directories: set[str] = field(default_factory=set)
    layers: list[layers.Layer] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


class Builder:
    def __init__(self, context: Path, dockerfile: Path | None = None, build_args: dict[str, str] | None = None,
                 cache_dir: Path | None = None, report=lambda line: None) -> None:
        self.context = context.resolve()
        self.dockerfile = dockerfile or context / "Dockerfile"
        self.build_args = dict(build_args or {})
        self.cache_dir = cache_dir or self.context.parent / ".cache" / "image-pip"
        self.report = report
        self.notes: list[str] = []
        self.ignored = self._dockerignore()

    # -- the whole build -----------------------------------------------------------------------------
    def build(self) -> BuiltImage:
        instructions = parse(self.dockerfile.read_text())
        args: dict[str, str] = {}
        position = 0
        while position < len(instructions) and instructions[position].keyword == "ARG":  # ARGs before FROM
            self._arg(instructions[position], args)
            position += 1
        if position >= len(instructions) or instructions[position].keyword != "FROM":
            raise DockerfileError(f"{self.dockerfile}: the first instruction (after ARGs) must be FROM")
        for instruction in instructions[position + 1:]:  # every refusal before any slow work (pip)
            self._check(instruction)
        state = self._from(instructions[position], args)
        for instruction in instructions[position + 1:]:
            if instruction.keyword == "ARG":
                self._arg(instruction, state.args)
            else:
                getattr(self, f"_{instruction.keyword.lower()}")(instruction, state)
        return self._image(state)

    def _check(self, instruction: Instruction) -> None:
        """Refuse, by its line, an instruction only a Docker engine can evaluate."""
        if instruction.keyword == "FROM":
            self._refuse(instruction, "a second FROM makes a multi-stage build")
        if instruction.keyword not in EVALUATED:
            self._refuse(instruction, f"{instruction.keyword} is not evaluated by the built-in builder")
        if instruction.keyword in ("COPY", "ADD") and "from" in instruction.flags:
            self._refuse(instruction, f"{instruction.keyword} --from needs another stage or image")
        if instruction.keyword == "RUN":
            form = instruction.json_form()
            text = " ".join(form) if form is not None else instruction.arguments
            try:
                words = shlex.split(text)
            except ValueError:
                words = []
            if any(word in ("&&", "||", ";", "|") or word.endswith(";") for word in words):
                self._refuse(instruction, "only a single `pip install` command is evaluated, not a shell command line")
            if _pip_arguments(words) is None:
                self._refuse(instruction, "RUN is evaluated only for `pip install ...` (pip, pip3, python -m pip)")

    def _refuse(self, instruction: Instruction, reason: str) -> None:
        raise BuildRefused(f"{self.dockerfile}:{instruction.line}: {instruction.keyword} {instruction.arguments} "
                           f"- {reason}. localcloud's built-in builder evaluates only {SUPPORTED}; build this "
                           "image with a Docker engine (`localcloud build` uses `docker build` when `docker info` "
                           "works), or change the Dockerfile to that subset.")

    def _variables(self, state: _State) -> dict[str, str]:
        return {**state.args, **state.env}

    # -- instructions --------------------------------------------------------------------------------
    def _arg(self, instruction: Instruction, into: dict[str, str]) -> None:
        for name, default in key_values(instruction.arguments, instruction):
            has_default = "=" in instruction.arguments
            if name in self.build_args:
                into[name] = self.build_args[name]
            elif has_default:
                into[name] = substitute(default, into)

    def _from(self, instruction: Instruction, args: dict[str, str]) -> _State:
        words = substitute(instruction.arguments, args).split()
        if len(words) == 3 and words[1].lower() == "as":
            words = words[:1]  # a stage name alone is harmless; a second stage is refused later
        if len(words) != 1:
            self._refuse(instruction, "FROM takes one image here")
        try:
            base = bases.recognise(words[0], substitute(instruction.flags.get("platform", ""), args) or None)
        except bases.UnsupportedBase as exc:
            self._refuse(instruction, str(exc))
        config = base.config()
        env = dict(item.split("=", 1) for item in config["Env"])
        state = _State(base=base, env=env, workdir=config["WorkingDir"], labels=dict(config["Labels"]),
                       entrypoint=list(config["Entrypoint"]), cmd=None, args=dict(args))
        state.directories |= {"/", "/var", "/var/task", "/var/runtime", "/var/lang", "/var/lang/bin", "/opt",
                              "/tmp", base.site_packages}
        state.layers.append(base.layer())
        state.history.append({"created_by": f"localcloud: synthesised {base.reference} "
                                            f"(Python {base.python_version}, linux/{base.architecture})"})
        return state

    def _env(self, instruction: Instruction, state: _State) -> None:
        for name, value in key_values(instruction.arguments, instruction):
            state.env[name] = substitute(value, self._variables(state))
        state.history.append({"created_by": f"ENV {instruction.arguments}", "empty_layer": True})

    def _label(self, instruction: Instruction, state: _State) -> None:
        for name, value in key_values(instruction.arguments, instruction):
            state.labels[substitute(name, self._variables(state))] = substitute(value, self._variables(state))
        state.history.append({"created_by": f"LABEL {instruction.arguments}", "empty_layer": True})

    def _workdir(self, instruction: Instruction, state: _State) -> None:
        path = substitute(instruction.arguments.strip(), self._variables(state))
        state.workdir = self._absolute(path, state)
        state.directories.add(state.workdir)
        state.history.append({"created_by": f"WORKDIR {instruction.arguments}", "empty_layer": True})

    def _user(self, instruction: Instruction, state: _State) -> None:
        self.notes.append(f"line {instruction.line}: USER {instruction.arguments} ignored (Lambda runs every "
                          "image as its own user)")
        state.history.append({"created_by": f"USER {instruction.arguments}", "empty_layer": True})

    def _command(self, instruction: Instruction) -> list[str]:
        form = instruction.json_form()
        return form if form is not None else ["/bin/sh", "-c", instruction.arguments]

    def _cmd(self, instruction: Instruction, state: _State) -> None:
        state.cmd = self._command(instruction)
        state.history.append({"created_by": f"CMD {instruction.arguments}", "empty_layer": True})

    def _entrypoint(self, instruction: Instruction, state: _State) -> None:
        state.entrypoint = self._command(instruction)
        state.cmd = None  # Docker: an ENTRYPOINT resets the CMD inherited from the base
        state.history.append({"created_by": f"ENTRYPOINT {instruction.arguments}", "empty_layer": True})

    def _add(self, instruction: Instruction, state: _State) -> None:
        self._copy(instruction, state)

    def _copy(self, instruction: Instruction, state: _State) -> None:
        if "chown" in instruction.flags:
            self.notes.append(f"line {instruction.line}: --chown={instruction.flags['chown']} ignored (Lambda reads "
                              "the image's files as its own user)")
        mode = None
        if "chmod" in instruction.flags:
            try:
                mode = int(instruction.flags["chmod"], 8)
            except ValueError:
                self._refuse(instruction, f"--chmod={instruction.flags['chmod']} is not an octal mode")
        form = instruction.json_form()
        try:
            words = form if form is not None else shlex.split(instruction.arguments)
        except ValueError as exc:
            self._refuse(instruction, f"cannot split the arguments ({exc})")
        words = [substitute(word, self._variables(state)) for word in words]
        if len(words) < 2:
            self._refuse(instruction, "needs a source and a destination")
        *sources, destination = words
        target = self._absolute(destination, state)
        entries: dict[str, layers.Entry] = {}
        matched: list[Path] = []
        for source in sources:
            if "://" in source:
                self._refuse(instruction, f"{source} is a URL; only local files are copied without Docker")
            found = self._sources(source, instruction)
            if instruction.keyword == "ADD" and any(p.is_file() and _is_archive(p) for p in found):
                self._refuse(instruction, "ADD of a local archive unpacks it; use COPY for the file, or Docker")
            matched.extend(found)
        into_directory = destination.endswith("/") or len(matched) > 1 or target in state.directories \
            or any(path.is_dir() for path in matched)
        for path in matched:
            if path.is_dir():
                for file in self._files_under(path):
                    image_path = str(PurePosixPath(target) / file.relative_to(path).as_posix())
                    entries[image_path] = self._entry(file, mode)
            else:
                image_path = str(PurePosixPath(target) / path.name) if into_directory else target
                entries[image_path] = self._entry(path, mode)
        for image_path in entries:
            state.files[image_path] = self._host_of(entries, image_path, matched, target, into_directory)
            state.directories.update(str(parent) for parent in PurePosixPath(image_path).parents)
        if into_directory:
            state.directories.add(target)
        layer = layers.build(entries)
        state.layers.append(layer)
        state.history.append({"created_by": f"{instruction.keyword} {instruction.arguments}"})

    def _run(self, instruction: Instruction, state: _State) -> None:
        form = instruction.json_form()
        text = " ".join(form) if form is not None else instruction.arguments
        text = substitute(text, self._variables(state))
        try:
            words = shlex.split(text)
        except ValueError:
            words = []
        pip = _pip_arguments(words)
        if pip is None:
            self._refuse(instruction, "RUN is evaluated only for `pip install ...` (pip, pip3, python -m pip)")
        installed = self._pip_install(instruction, state, pip)
        layer = layers.build(installed)
        state.layers.append(layer)
        state.history.append({"created_by": f"RUN {instruction.arguments}"})

    # -- pip -----------------------------------------------------------------------------------------
    def _pip_install(self, instruction: Instruction, state: _State, words: list[str]) -> dict[str, layers.Entry]:
        target = state.base.site_packages
        kept: list[str] = []
        requirement_files: list[Path] = []
        packages: list[str] = []
        position = 0
        while position < len(words):
            word = words[position]
            name, equals, inline = word.partition("=") if word.startswith("--") else (word, "", "")
            value = inline if equals else (words[position + 1] if position + 1 < len(words) else "")
            takes_value = not equals
            if name in ("-r", "--requirement"):
                requirement_files.append(self._context_file(self._absolute(value, state), state, instruction))
            elif name in ("-t", "--target"):
                target = self._absolute(value, state)
            elif name in PIP_OPTIONS_KEPT:
                if PIP_OPTIONS_KEPT[name] == "--find-links" and "://" not in value:
                    value = str(self._context_dir(self._absolute(value, state), state, instruction))
                elif PIP_OPTIONS_KEPT[name] == "--constraint":
                    value = str(self._context_file(self._absolute(value, state), state, instruction))
                kept += [PIP_OPTIONS_KEPT[name], value]
            elif name in PIP_OPTIONS_IGNORED:
                pass
            elif word in PIP_FLAGS_IGNORED:
                takes_value = False
            elif word in PIP_FLAGS_KEPT:
                kept.append(word)
                takes_value = False
            elif word.startswith("-"):
                self._refuse(instruction, f"pip option {word} is not supported without Docker")
            else:
                if word.startswith((".", "/", "git+")) or "://" in word:
                    self._refuse(instruction, f"{word}: installing from a path or URL builds from source")
                packages.append(word)
                takes_value = False
            position += 2 if takes_value else 1
        if not requirement_files and not packages:
            self._refuse(instruction, "pip install names nothing to install")
        installed = self._cached_install(state.base, kept, requirement_files, packages)
        entries: dict[str, layers.Entry] = {}
        for file in sorted(p for p in installed.rglob("*") if p.is_file()):
            relative = file.relative_to(installed).as_posix()
            data = file.read_bytes()
            if relative.startswith("bin/") and data.startswith(b"#!"):  # console scripts: the image's Python
                data = f"#!/var/lang/bin/python{state.base.python_version}".encode() + data[data.index(b"\n"):]
            entries[str(PurePosixPath(target) / relative)] = layers.Entry(data, executable=os.access(file, os.X_OK))
        state.directories.add(target)
        return entries

    def _cached_install(self, base: bases.Base, kept: list[str], requirement_files: list[Path],
                        packages: list[str]) -> Path:
        arch = "x86_64" if base.architecture == "amd64" else "aarch64"
        platforms = [f"manylinux2014_{arch}"]
        if base.python_version in ("3.12", "3.13"):  # Amazon Linux 2023, glibc 2.34
            platforms.insert(0, f"manylinux_2_28_{arch}")
        key = hashlib.sha256(json.dumps([base.python_version, platforms, kept, packages]).encode())
        for file in requirement_files:
            key.update(file.read_bytes())
        for option, value in itertools.pairwise(kept):
            if option == "--find-links" and Path(value).is_dir():
                for wheel in sorted(Path(value).iterdir()):
                    key.update(wheel.name.encode() + hashlib.sha256(wheel.read_bytes()).digest())
        target = self.cache_dir / key.hexdigest()
        if target.is_dir():
            self.report(f"pip install: cached ({target.name[:12]})")
            return target
        staging = self.cache_dir / f".{key.hexdigest()}.{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--disable-pip-version-check",
                   "--target", str(staging), "--implementation", "cp", "--python-version", base.python_version,
                   "--only-binary=:all:", *(f"--platform={p}" for p in platforms), *kept,
                   *(arg for file in requirement_files for arg in ("-r", str(file))), *packages]
        self.report(f"pip install for Python {base.python_version} linux/{base.architecture}: "
                    f"{' '.join(packages + [f'-r {f.name}' for f in requirement_files])}")
        result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise DockerfileError(f"pip install for the image failed, so it was not built:\n{result.stderr[-1500:]}\n"
                                  "Check the package names and that a manylinux wheel exists for Python "
                                  f"{base.python_version} on {platforms[-1]}.")
        try:
            staging.rename(target)
        except OSError:  # another build installed the same set meanwhile
            shutil.rmtree(staging, ignore_errors=True)
        return target

    # -- files ---------------------------------------------------------------------------------------
    def _absolute(self, path: str, state: _State) -> str:
        joined = PurePosixPath(state.workdir) / path if not path.startswith("/") else PurePosixPath(path)
        parts: list[str] = []
        for part in joined.parts[1:]:
            if part == "..":
                parts = parts[:-1]
            elif part not in (".", ""):
                parts.append(part)
        return "/" + "/".join(parts)

    def _dockerignore(self) -> list[str]:
        ignore = self.context / ".dockerignore"
        patterns = list(SKIPPED_ALWAYS)
        if ignore.is_file():
            patterns += [line.strip().rstrip("/") for line in ignore.read_text().splitlines()
                         if line.strip() and not line.startswith("#") and not line.startswith("!")]
        return patterns

    def _is_ignored(self, path: Path) -> bool:
        relative = path.relative_to(self.context).as_posix()
        parts = relative.split("/")
        for pattern in self.ignored:
            pattern = pattern.lstrip("/")
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
                return True
            if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in parts):
                return True
        return False

    def _sources(self, source: str, instruction: Instruction) -> list[Path]:
        pattern = source.lstrip("/") or "."
        found = sorted(self.context.glob(pattern)) if any(c in pattern for c in "*?[") else [self.context / pattern]
        result = []
        for path in found:
            resolved = path.resolve()
            if resolved != self.context and self.context not in resolved.parents:
                self._refuse(instruction, f"{source} is outside the build context {self.context}")
            if not resolved.exists():
                self._refuse(instruction, f"{source} does not exist in the build context {self.context}")
            if resolved != self.context and self._is_ignored(resolved):
                continue
            result.append(resolved)
        if not result:
            self._refuse(instruction, f"{source} matches no file in the build context {self.context}")
        return result

    def _files_under(self, directory: Path) -> list[Path]:
        return sorted(p for p in directory.rglob("*") if p.is_file() and not self._is_ignored(p))

    @staticmethod
    def _entry(path: Path, mode: int | None) -> layers.Entry:
        return layers.Entry(path.read_bytes(), executable=os.access(path, os.X_OK), mode=mode)

    @staticmethod
    def _host_of(entries: dict[str, layers.Entry], image_path: str, matched: list[Path], target: str,
                 into_directory: bool) -> Path:
        for path in matched:
            if path.is_dir():
                candidate = path / PurePosixPath(image_path).relative_to(target)
                if candidate.is_file():
                    return candidate
            elif (into_directory and image_path == str(PurePosixPath(target) / path.name)) or image_path == target:
                return path
        raise AssertionError(image_path)

    def _context_file(self, image_path: str, state: _State, instruction: Instruction) -> Path:
        if image_path not in state.files:
            self._refuse(instruction, f"{image_path} is not in the image; COPY it in an earlier instruction")
        return state.files[image_path]

    def _context_dir(self, image_path: str, state: _State, instruction: Instruction) -> Path:
        prefix = image_path.rstrip("/") + "/"
        inside = {path: host for path, host in state.files.items() if path.startswith(prefix)}
        if not inside:
            self._refuse(instruction, f"{image_path} holds no files in the image; COPY them in first")
        folder = self.cache_dir / "find-links" / hashlib.sha256(
            json.dumps(sorted((p, str(h)) for p, h in inside.items())).encode()).hexdigest()
        folder.mkdir(parents=True, exist_ok=True)
        for path, host in inside.items():
            if "/" not in path[len(prefix):]:
                shutil.copyfile(host, folder / PurePosixPath(path).name)
        return folder

    # -- the image -----------------------------------------------------------------------------------
    def _image(self, state: _State) -> BuiltImage:
        config_section: dict[str, Any] = {"Env": [f"{k}={v}" for k, v in state.env.items()],
                                          "WorkingDir": state.workdir, "Labels": state.labels}
        if state.entrypoint is not None:
            config_section["Entrypoint"] = state.entrypoint
        if state.cmd is not None:
            config_section["Cmd"] = state.cmd
        config = json.dumps({
            "architecture": state.base.architecture, "os": "linux", "config": config_section,
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in state.layers]},
            "history": state.history,
        }, sort_keys=True, separators=(",", ":")).encode()
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
                       "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": layer.digest, "size": len(layer.blob)}
                       for layer in state.layers],
        }, sort_keys=True, separators=(",", ":")).encode()
        return BuiltImage(manifest, config, list(state.layers), list(self.notes))


def _is_archive(path: Path) -> bool:
    return path.name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz"))


def _pip_arguments(words: list[str]) -> list[str] | None:
    """The arguments after `install` of a pip command line, or None when it is not one."""
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
