"""Images localcloud cannot run itself (not on AWS's Python base), run by a Docker engine when one answers.

UNTESTED: no Docker engine exists where this kit is tested, so this path has never run. It is kept small:
`docker run` of the image pinned by digest, pulled from the local ECR by its path form
(127.0.0.1:<port>/<repository>@sha256:..., which Docker treats as an insecure registry by default), on the
host network so the image's own runtime interface client reaches the Runtime API in AWS_LAMBDA_RUNTIME_API,
with the worker's variables passed by name, MemorySize as --memory and ImageConfig's EntryPoint/Command as
--entrypoint and arguments. The container is named after the environment and removed when it ends.
Without Docker the invoke fails with the reason the image needs it (image_functions.DOCKER_NEEDED).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from functools import cache

CONTAINER_PREFIX = "localcloud-lambda-"


@cache
def available() -> bool:
    """Whether a Docker engine answers (`docker info`), asked once per server."""
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True,
                              timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def container_name(env_id: str) -> str:
    return CONTAINER_PREFIX + env_id[:24]


def command(env_id: str, image: str, variables: dict[str, str], memory_mb: int,
            entry_point: tuple[str, ...], arguments: tuple[str, ...]) -> list[str]:
    """`docker run` for one execution environment; `variables` are passed by name (the values stay in the
    docker CLI's own environment, out of its command line)."""
    run = ["docker", "run", "--rm", "--name", container_name(env_id), "--network", "host", "--pull", "missing"]
    if memory_mb:
        run += ["--memory", f"{memory_mb}m"]
    for name in sorted(variables):
        run += ["-e", name]
    if entry_point:
        run += ["--entrypoint", entry_point[0]]
    run.append(image)
    return run + list(entry_point[1:]) + list(arguments)


def remove_later(env_id: str) -> None:
    """Remove the environment's container (a killed `docker run` client leaves it running)."""
    def remove() -> None:
        try:
            subprocess.run(["docker", "rm", "-f", container_name(env_id)], capture_output=True, timeout=30,
                           check=False)
        except (OSError, subprocess.TimeoutExpired):
            pass
    threading.Thread(target=remove, name=f"docker-rm-{env_id[:8]}", daemon=True).start()
