"""`localcloud build --image DIR`: a Lambda container image from DIR/Dockerfile, pushed to the local ECR.

builder.py evaluates the Lambda subset of Dockerfiles without a Docker engine (base.py synthesises the AWS
base image, layers.py makes reproducible layers, pip_install.py installs wheels); push.py pushes through the
OCI API (registry_client.py), or uses `docker build` + `docker push` when a Docker engine answers.

For code that has an image reference at hand (the Terraform runner: `<repository_url>:<tag>`), one call:

    digest = build_and_push(context_dir, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/records:latest",
                            endpoint="http://127.0.0.1:4566")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def build_and_push(context: Path, target: str, *, endpoint: str, dockerfile: Path | None = None,
                   region: str | None = None, build_args: dict[str, str] | None = None,
                   cache_dir: Path | None = None, report: Callable[[str], None] = lambda line: None) -> str:
    """Build `context` (its Dockerfile, or `dockerfile`) with the built-in builder and push it to `target`,
    an image reference `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>]` (also the
    localhost.localstack.cloud and path forms) in the local ECR at `endpoint`; returns the manifest digest.
    Raises DockerfileError / BuildRefused (what the builder cannot evaluate) and RegistryError (the registry
    refused: NAME_UNKNOWN when the repository does not exist)."""
    from urllib.parse import urlsplit

    import boto3

    from localcloud.aws.ecr.images import parse
    from localcloud.config import DEFAULT_ACCOUNT
    from localcloud.imagebuild.builder import Builder
    from localcloud.imagebuild.push import push_built

    reference = parse(target)
    account = reference.registry.account if reference.registry else DEFAULT_ACCOUNT
    region = reference.registry.region if reference.registry else (region or "us-east-1")
    port = urlsplit(endpoint).port or 80
    ecr = boto3.client("ecr", endpoint_url=endpoint, region_name=region, aws_access_key_id="test",
                       aws_secret_access_key="test")
    image = Builder(context, dockerfile=dockerfile, build_args=build_args, cache_dir=cache_dir, report=report).build()
    pushed = push_built(image, endpoint=endpoint, port=port, account=account, region=region,
                        repository=reference.repository, tag=reference.tag or "latest", ecr_client=ecr)
    return pushed.digest
