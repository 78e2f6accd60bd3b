"""How a container-image function runs without a Docker engine: what its image and ImageConfig say.

An image built FROM the AWS Lambda Python base image (public.ecr.aws/lambda/python:3.x) starts
/lambda-entrypoint.sh, which runs awslambdaric on the image's Python with CMD[0] as the handler, from
WORKDIR /var/task, with the image's ENV (aws-lambda-base-images' Dockerfiles: ENTRYPOINT
["/lambda-entrypoint.sh"], ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime, WORKDIR /var/task).
The runtime here does the same with its own awslambdaric and the Python of the same version: the image's
/var/task, /opt and site-packages are unpacked (image_layers.py) and run as a zip function's are.

The function's ImageConfig overrides the image: Command replaces CMD, EntryPoint replaces ENTRYPOINT,
WorkingDirectory replaces WORKDIR (https://docs.aws.amazon.com/lambda/latest/dg/images-parms.html).
The function's Environment is merged over the image's ENV, as Lambda does.

Anything else (an ENTRYPOINT of its own, a base that is not AWS's Python, a Python we cannot name)
cannot run without the image's own file system: it raises NotRunnable saying a Docker engine is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from localcloud.runtime.image_layers import UnpackedImage

LAMBDA_ENTRYPOINT = "/lambda-entrypoint.sh"
EXECUTION_ENV = "AWS_Lambda_Image"  # AWS_EXECUTION_ENV inside every container-image function
# Labels naming the base: localcloud build's (imagebuild/base.py, on the base it synthesises) and the OCI
# annotation some builders copy into the config.
BASE_LABELS = ("localcloud.base-image", "org.opencontainers.image.base.name")
PYTHON_BASE = re.compile(r"lambda/python:(3\.\d+)")
# Variables the sandbox sets to AWS's values; the base image declares the same ones, which name paths
# only the sandbox has (outside it they would point at the host's missing /var/lang).
PLACED_BY_RUNTIME = frozenset({"PATH", "LD_LIBRARY_PATH", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "PYTHONPATH",
                               "HOME"})
DOCKER_NEEDED = ("Running it needs a Docker engine, which localcloud does not use for images; localcloud runs "
                 "images built FROM public.ecr.aws/lambda/python:3.x whose ENTRYPOINT is the base image's "
                 "(/lambda-entrypoint.sh) and whose CMD names the handler. Rebuild the image on that base, or "
                 "test this function on AWS.")


class ImageNotRunnable(Exception):
    """The image cannot run here; str() says why and what to do. Runtime.InvalidEntrypoint on invoke."""


@dataclass(frozen=True)
class ImageOverrides:
    """The function's ImageConfig (CreateFunction/UpdateFunctionConfiguration); empty lists: not set."""

    command: tuple[str, ...] = ()
    entry_point: tuple[str, ...] = ()
    working_directory: str | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any] | Any) -> ImageOverrides:
        config = config or {}
        return cls(tuple(config.get("Command") or ()), tuple(config.get("EntryPoint") or ()),
                   config.get("WorkingDirectory") or None)


@dataclass(frozen=True)
class PythonImagePlan:
    """What to run: the handler on Python `python_version`, with the image's ENV and working directory."""

    python_version: str  # "3.12"
    handler: str
    environment: dict[str, str]
    working_directory: str  # a path inside the image: /var/task or below it, or /opt or below it


def image_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The `config` object of an OCI image config blob (Env, Entrypoint, Cmd, WorkingDir, Labels); a
    caller may hand the blob or the object itself."""
    inner = config.get("config") if isinstance(config.get("config"), dict) else None
    return inner if inner is not None else config


def _environment(settings: dict[str, Any]) -> dict[str, str]:
    variables = {}
    for entry in settings.get("Env") or []:
        name, _, value = str(entry).partition("=")
        if name and name not in PLACED_BY_RUNTIME:
            variables[name] = value
    return variables


def python_version(settings: dict[str, Any], unpacked: UnpackedImage) -> str | None:
    """The base's Python: /var/lang/bin/python3.x in the layers (AWS's base images), else a label that
    names the base (public.ecr.aws/lambda/python:3.12), else AWS_EXECUTION_ENV=AWS_Lambda_python3.x."""
    if len(unpacked.pythons) == 1:
        return unpacked.pythons[0]
    labels = settings.get("Labels") or {}
    for label in BASE_LABELS:
        found = PYTHON_BASE.search(str(labels.get(label) or ""))
        if found:
            return found.group(1)
    execution = _environment(settings).get("AWS_EXECUTION_ENV", "")
    found = re.fullmatch(r"AWS_Lambda_python(3\.\d+)", execution)
    return found.group(1) if found else None


def _is_python_entrypoint(entry_point: tuple[str, ...]) -> bool:
    """The base image's entry point, or awslambdaric started by hand (`python -m awslambdaric`)."""
    if entry_point == (LAMBDA_ENTRYPOINT,):
        return True
    return (len(entry_point) == 3 and re.fullmatch(r"(/var/lang/bin/|/usr/(local/)?bin/)?python3(\.\d+)?",
                                                   entry_point[0]) is not None
            and entry_point[1:] == ("-m", "awslambdaric"))


def plan(image_uri: str, config: dict[str, Any], unpacked: UnpackedImage,
         overrides: ImageOverrides) -> PythonImagePlan:
    """How to run the image, or ImageNotRunnable saying why it needs Docker."""
    settings = image_settings(config)
    entry_point = overrides.entry_point or tuple(settings.get("Entrypoint") or ())
    command = overrides.command or tuple(settings.get("Cmd") or ())
    if not _is_python_entrypoint(entry_point):
        shown = " ".join(entry_point) or "(none)"
        raise ImageNotRunnable(f"The image {image_uri} starts {shown}, not the Lambda Python base image's entry "
                               f"point {LAMBDA_ENTRYPOINT}. {DOCKER_NEEDED}")
    version = python_version(settings, unpacked)
    if version is None:
        raise ImageNotRunnable(f"The image {image_uri} does not show which Python it runs: no /var/lang/bin/python3.x "
                               "in its layers and no base label (org.opencontainers.image.base.name = "
                               f"public.ecr.aws/lambda/python:3.x). {DOCKER_NEEDED}")
    if not command or not command[0]:
        raise ImageNotRunnable(f"The image {image_uri} names no handler: set CMD [\"module.function\"] in its "
                               "Dockerfile, or ImageConfig.Command on the function.")
    workdir = overrides.working_directory or settings.get("WorkingDir") or "/var/task"
    if not (workdir.rstrip("/") in ("/var/task", "/opt") or workdir.startswith(("/var/task/", "/opt/"))):
        raise ImageNotRunnable(f"The working directory {workdir} of {image_uri} is outside /var/task and /opt, the "
                               f"only parts of the image localcloud unpacks. {DOCKER_NEEDED}")
    return PythonImagePlan(version, command[0], _environment(settings), workdir.rstrip("/") or "/var/task")


def host_directory(workdir: str, task_root: Path, layer_dirs: list[Path]) -> Path:
    """The host directory that plays `workdir` when a worker runs outside the sandbox: /var/task is the task
    root, /opt the last layer directory (an image's own /opt); anything missing falls back to the task root."""
    relative = PurePosixPath(workdir)
    for inside, host in (("/var/task", task_root), ("/opt", layer_dirs[-1] if layer_dirs else None)):
        if host is None:
            continue
        try:
            candidate = host.joinpath(*relative.relative_to(inside).parts)
        except ValueError:
            continue
        return candidate if candidate.is_dir() else task_root
    return task_root
