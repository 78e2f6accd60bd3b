"""A local cloud of its own for a test or a benchmark: a free port, a fresh state dir, started and stopped
through the real CLI (`localcloud start --detach` / `stop`), as a person would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from localcloud.testing import free_port


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "localcloud.cli", *args], capture_output=True, text=True, check=False,
                          timeout=120)


@contextmanager
def running_local_cloud(state_dir: Path) -> Iterator[str]:
    """Start a local cloud on a free port with `state_dir`; yield its endpoint; stop it afterwards."""
    port = free_port()
    started = _cli("start", "--detach", "--port", str(port), "--state-dir", str(state_dir))
    if started.returncode != 0:
        raise RuntimeError(f"localcloud start failed:\n{started.stdout}\n{started.stderr}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _cli("stop", "--port", str(port), "--state-dir", str(state_dir))


def client(endpoint: str, service: str, region: str = "us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test")


def push_an_image(endpoint: str, repository_url: str) -> str:
    """Push a minimal image (a config, no layers) to `repository_url` through the OCI API; its digest."""
    import base64
    import hashlib
    import json

    from localcloud.imagebuild.registry_client import RegistryClient

    host, _, repository = repository_url.partition("/")
    region = host.split(".")[3]
    token = client(endpoint, "ecr", region).get_authorization_token()["authorizationData"][0]["authorizationToken"]
    registry = RegistryClient(endpoint, repository, base64.b64decode(token).decode().split(":", 1)[1],
                              host.replace(".amazonaws.com", ".localhost.localstack.cloud"))
    config = b'{"architecture":"amd64","os":"linux","config":{}}'
    registry.push_blob(config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
                                      "size": len(config)}, "layers": []}).encode()
    return registry.push_manifest("latest", manifest, "application/vnd.oci.image.manifest.v1+json")
