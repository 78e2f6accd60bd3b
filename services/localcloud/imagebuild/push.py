"""Build an image and push it to the local ECR: built-in without Docker, `docker build` + `docker push` with it.

The Docker path cannot be tested on a machine without Docker (this one); it is kept to the three commands
a person would type (login with the GetAuthorizationToken password, build, push) and reads the pushed
digest back from the registry, so both paths report the same thing.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from localcloud.imagebuild.builder import Builder, BuiltImage
from localcloud.imagebuild.registry_client import RegistryClient


@dataclass(frozen=True)
class Pushed:
    repository: str
    tag: str
    digest: str
    image_uri: str  # <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:...: what Terraform's image_uri takes
    tag_uri: str  # .../<repo>:<tag>
    engine: str  # "built-in" | "docker"
    notes: tuple[str, ...] = ()


def docker_available() -> bool:
    """A Docker engine answers (`docker info`), not just a docker binary on PATH."""
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _password(ecr_client) -> str:
    token = ecr_client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(token).decode().split(":", 1)[1]


def registry_host(account: str, region: str, port: int) -> str:
    """The registry host docker and other clients use here: public DNS resolves it to 127.0.0.1."""
    return f"{account}.dkr.ecr.{region}.localhost.localstack.cloud:{port}"


def push_built(image: BuiltImage, *, endpoint: str, port: int, account: str, region: str, repository: str,
               tag: str, ecr_client) -> Pushed:
    client = RegistryClient(endpoint, repository, _password(ecr_client), registry_host(account, region, port))
    for digest, blob in image.blobs().items():
        client.push_blob(blob, digest)
    digest = client.push_manifest(tag, image.manifest, image.media_type)
    aws_host = f"{account}.dkr.ecr.{region}.amazonaws.com"
    return Pushed(repository, tag, digest, f"{aws_host}/{repository}@{digest}", f"{aws_host}/{repository}:{tag}",
                  "built-in", tuple(image.notes))


def build_and_push(context: Path, *, endpoint: str, port: int, account: str, region: str, repository: str,
                   tag: str, ecr_client, build_args: dict[str, str] | None = None, engine: str = "auto",
                   cache_dir: Path | None = None, report=print) -> Pushed:
    """`engine`: "auto" (Docker when it answers, else built-in), "docker" or "built-in"."""
    use_docker = engine == "docker" or (engine == "auto" and docker_available())
    if not use_docker:
        image = Builder(context, build_args=build_args, cache_dir=cache_dir, report=report).build()
        return push_built(image, endpoint=endpoint, port=port, account=account, region=region,
                          repository=repository, tag=tag, ecr_client=ecr_client)
    host = registry_host(account, region, port)
    password = _password(ecr_client)
    target = f"{host}/{repository}:{tag}"
    subprocess.run(["docker", "login", "--username", "AWS", "--password-stdin", host], input=password.encode(),
                   check=True, capture_output=True)
    # No --provenance flag (the legacy builder lacks it): BuildKit's attestations make the push an index,
    # which the registry stores and images.resolve picks the linux image from.
    subprocess.run(["docker", "build", "-t", target,
                    *(arg for key, value in (build_args or {}).items() for arg in ("--build-arg", f"{key}={value}")),
                    str(context)], check=True)
    subprocess.run(["docker", "push", target], check=True)
    digest = RegistryClient(endpoint, repository, password, host).manifest(tag)[2]
    aws_host = f"{account}.dkr.ecr.{region}.amazonaws.com"
    return Pushed(repository, tag, digest, f"{aws_host}/{repository}@{digest}", f"{aws_host}/{repository}:{tag}",
                  "docker")


def record(pushed: Pushed, out: Path) -> Path:
    """<out>/images/<repository>.json: what was pushed, for Terraform (`jsondecode(file(...)).image_uri`)."""
    target = out / "images" / f"{pushed.repository.replace('/', '_')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"repository": pushed.repository, "tag": pushed.tag, "digest": pushed.digest,
                                  "image_uri": pushed.image_uri, "tag_uri": pushed.tag_uri,
                                  "engine": pushed.engine}, indent=2) + "\n")
    return target
