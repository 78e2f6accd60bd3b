"""Other local targets for the same Terraform and tests: LocalStack, ministack, our own image under Docker,
or any endpoint named by AWS_ENDPOINT_URL. Each says what it needs and what it cannot do — reported,
not hidden — so a failing test points at the emulator's gap rather than at the pipeline.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class BackendError(Exception):
    pass


@dataclass(frozen=True)
class Backend:
    name: str
    summary: str
    start: tuple[str, ...] = ()
    stop: tuple[str, ...] = ()
    health_path: str = "/_localstack/health"
    needs_docker: bool = False
    needs_env: tuple[str, ...] = ()
    needs_command: str | None = None
    gaps: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)


def _compose(file: str, *verb: str) -> tuple[str, ...]:
    return ("docker", "compose", "-f", str(ROOT / "compose" / file), *verb)


BACKENDS = {
    # Started by `localcloud start` itself (make up's default path); listed for `check` and the table.
    "localcloud": Backend("localcloud", "this kit's local cloud, no Docker", health_path="/_localcloud/health"),
    "docker": Backend("docker", "this kit's local cloud in a container, with postgres:16 and mysql:8",
                      _compose("docker-compose.yml", "up", "-d", "--wait"), _compose("docker-compose.yml", "down"),
                      "/_localcloud/health", needs_docker=True),
    "localstack": Backend(
        "localstack", "LocalStack in Docker (needs an account token)",
        _compose("localstack.yml", "up", "-d", "--wait"), _compose("localstack.yml", "down"),
        needs_docker=True, needs_env=("LOCALSTACK_AUTH_TOKEN",),
        gaps=("RDS, Glue and Athena are not in LocalStack's free tier: aws_db_instance fails there; the compose "
              "file starts postgres:16 and mysql:8 beside it for the pipelines to use instead",
              "no e-mail mailbox: alarms' e-mails are not captured (tests marked localcloud_only are skipped)",
              "schedules fire on real time only (no LOCALCLOUD_CLOCK_SPEED)")),
    "ministack": Backend(
        "ministack", "ministack from PyPI (pip install ministack)", ("ministack", "--detach"), ("ministack", "--stop"),
        needs_command="ministack",
        gaps=("Lambda handlers run inside ministack's own interpreter: an import missing from the zip still works "
              "there and fails on AWS", "RDS instances need Docker there",
              "no e-mail mailbox and no clock speed-up (tests marked localcloud_only are skipped)")),
    "endpoint": Backend("endpoint", "any AWS-compatible endpoint already running at AWS_ENDPOINT_URL",
                        needs_env=("AWS_ENDPOINT_URL",),
                        gaps=("unknown: tests marked localcloud_only are skipped; other failures are the endpoint's",)),
}


def get(name: str) -> Backend:
    try:
        return BACKENDS[name]
    except KeyError:
        raise BackendError(f"Unknown BACKEND {name!r}. Choose one of: {', '.join(BACKENDS)}.") from None


def problems(backend: Backend, environ: dict[str, str] | None = None) -> list[str]:
    """What is missing to run `backend` here, each with what to do."""
    environ = dict(os.environ if environ is None else environ)
    found = []
    if backend.needs_docker and not shutil.which("docker", path=environ.get("PATH")):
        found.append(f"BACKEND={backend.name} needs Docker, and no `docker` command is on PATH. Install Docker, "
                     "or use BACKEND=localcloud, which needs none.")
    elif backend.needs_docker and not _docker_engine_answers(environ):
        found.append(f"BACKEND={backend.name} needs a running Docker engine; `docker info` got no answer. "
                     "Start Docker, or use BACKEND=localcloud.")
    for name in backend.needs_env:
        if not environ.get(name):
            hint = ("get one from your LocalStack account and export it; the kit reads it from the environment "
                    "and never stores it") if name == "LOCALSTACK_AUTH_TOKEN" else "export it"
            found.append(f"BACKEND={backend.name} needs {name}: {hint}.")
    if backend.needs_command and not shutil.which(backend.needs_command, path=environ.get("PATH")):
        found.append(f"BACKEND={backend.name} needs the `{backend.needs_command}` command: "
                     f"pip install {backend.needs_command}.")
    return found


def _docker_engine_answers(environ: dict[str, str]) -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10, env=environ).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def start(backend: Backend, endpoint: str, timeout: float = 120.0) -> None:
    missing = problems(backend)
    if missing:
        raise BackendError("\n".join(missing) + "\nNothing was started.")
    if backend.start:
        env = {**os.environ, "GATEWAY_PORT": endpoint.rsplit(":", 1)[-1], **backend.extra_env}
        done = subprocess.run(list(backend.start), env=env, cwd=ROOT)
        if done.returncode != 0:
            raise BackendError(f"`{' '.join(backend.start)}` failed (exit {done.returncode}); see its output above.")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(endpoint + backend.health_path, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise BackendError(f"{backend.name} did not answer {endpoint}{backend.health_path} within {timeout:.0f} s.")
