"""The local cloud in a container, for test suites on machines that have Docker (testcontainers).

The same image as `compose/docker-compose.yml` (the repository's Dockerfile). Readiness is a real check of
the health endpoint, never a sleep. Without Docker, or without the `testcontainers` package, it says what
to do instead.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from typing import Any

PORT = 4566
IMAGE_TAG = "localcloud:dev"


class ContainerUnavailable(Exception):
    pass


def start_container(repository: Path, timeout: float = 120.0) -> tuple[Any, str]:
    """Build the image from `repository` and run it; returns (container, endpoint)."""
    try:
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.image import DockerImage
    except ImportError:
        raise ContainerUnavailable("--localcloud-docker needs the testcontainers package: "
                                   "pip install 'localcloud[docker]' (or run without --localcloud-docker: "
                                   "localcloud needs no Docker).") from None
    try:
        image = DockerImage(path=str(repository), tag=IMAGE_TAG, clean_up=False)
        image.build()
        container = DockerContainer(str(image)).with_exposed_ports(PORT)
        # The endpoint answers only Host names it knows (server/guard.py); the Docker host's is how we call it.
        container.with_env("LOCALCLOUD_ALLOWED_HOSTS", container.get_docker_client().host())
        container.start()
    except Exception as exc:  # docker.errors.DockerException and friends: no engine, no permission
        raise ContainerUnavailable(f"Docker could not start the local cloud's container ({exc}). Start a Docker "
                                   "engine, or run without --localcloud-docker: localcloud needs no Docker.") from exc
    endpoint = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(PORT)}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(endpoint + "/_localcloud/health", timeout=2):
                return container, endpoint
        except OSError:
            time.sleep(0.5)
    container.stop()
    raise ContainerUnavailable(f"The local cloud's container did not answer {endpoint}/_localcloud/health within "
                               f"{timeout:.0f} s; see `docker logs` of the container.")
