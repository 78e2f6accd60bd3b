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

import hashlib
import json
import os
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from localcloud.imagebuild import base as bases
from localcloud.imagebuild import layers, pip_install
from localcloud.imagebuild.context import BuildContext, ContextError
from localcloud.imagebuild.dockerfile import DockerfileError, Instruction, key_values, parse, substitute

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
SUPPORTED = ("FROM public.ecr.aws/lambda/python:3.x, ARG, ENV, LABEL, WORKDIR, COPY, ADD (local files), "
             "RUN pip install, CMD, ENTRYPOINT, USER")
EVALUATED = ("ARG", "ENV", "LABEL", "WORKDIR", "USER", "CMD", "ENTRYPOINT", "COPY", "ADD", "RUN")


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
        self.context = BuildContext(context)
        self.dockerfile = dockerfile or context / "Dockerfile"
        self.build_args = dict(build_args or {})
        self.cache_dir = cache_dir or self.context.root.parent / ".cache" / "image-pip"
        self.report = report
        self.notes: list[str] = []

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
            if pip_install.arguments(words) is None:
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
                for file in self.context.files_under(path):
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
        pip = pip_install.arguments(words)
        if pip is None:
            self._refuse(instruction, "RUN is evaluated only for `pip install ...` (pip, pip3, python -m pip)")
        absolute = lambda path: self._absolute(path, state)
        try:
            wanted = pip_install.plan(pip, absolute)
        except pip_install.PipRefused as exc:
            self._refuse(instruction, str(exc))
        options = list(wanted.options)
        options += [arg for path in wanted.find_links
                    for arg in ("--find-links", str(self._context_dir(path, state, instruction)))]
        options += [arg for path in wanted.constraint_files
                    for arg in ("--constraint", str(self._context_file(path, state, instruction)))]
        requirement_files = [self._context_file(path, state, instruction) for path in wanted.requirement_files]
        installed = pip_install.install(state.base, options, requirement_files, wanted.packages, self.cache_dir,
                                        self.report)
        target = wanted.target or state.base.site_packages
        state.directories.add(target)
        state.layers.append(layers.build(pip_install.entries(installed, target, state.base.python_version)))
        state.history.append({"created_by": f"RUN {instruction.arguments}"})

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

    def _sources(self, source: str, instruction: Instruction) -> list[Path]:
        try:
            return self.context.sources(source)
        except ContextError as exc:
            self._refuse(instruction, str(exc))
            raise

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
