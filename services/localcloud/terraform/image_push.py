"""Building one image of images.json and pushing it: to the local ECR without Docker, or to AWS with Docker.

Locally, `localcloud build`'s builder evaluates the Dockerfile's Lambda subset itself and pushes through the
registry's OCI API; the digest it returns is the image manifest's, the same for the same inputs (so a
re-apply of an unchanged function plans nothing). Against AWS, `docker build` and `docker push` after a
`docker login` with ECR's authorization token; that path was not run here (no Docker on the machines this
kit is tested on).
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Mapping

from localcloud.terraform.command import TerraformError
from localcloud.terraform.container_images import ImageSpec


def push_local(spec: ImageSpec, target: str, endpoint: str, region: str) -> str:
    """Build `spec` with localcloud's builder and push it to `target` in the local ECR at `endpoint`."""
    from localcloud.imagebuild import build_and_push

    try:
        return build_and_push(spec.context, target, endpoint=endpoint, dockerfile=spec.dockerfile, region=region)
    except Exception as exc:  # noqa: BLE001  (an unsupported instruction, pip failing, the registry refusing)
        raise TerraformError(f"The image of {spec.repository} ({spec.dockerfile}) could not be built and pushed to "
                             f"{target}: {exc}\nThe repository exists; nothing else was applied. Fix the cause "
                             "and apply again.") from None


def push_with_docker(spec: ImageSpec, target: str, region: str, env: Mapping[str, str]) -> str:
    """`docker build` + `docker push` to AWS's ECR; returns the pushed digest."""
    import boto3

    registry = target.split("/", 1)[0]
    try:
        token = boto3.client("ecr", region_name=region).get_authorization_token()["authorizationData"][0]
        password = base64.b64decode(token["authorizationToken"]).decode().partition(":")[2]
        _docker(["login", "--username", "AWS", "--password-stdin", registry], env, stdin=password)
        # BuildKit (buildx) attaches a provenance attestation, which makes the push an index that Lambda
        # refuses ("image manifest ... media type is not supported"); the legacy builder has no such flag.
        attest = ["--provenance=false"] if _has_buildx(env) else []
        _docker(["build", "--platform", "linux/amd64", *attest, "-f", str(spec.dockerfile), "-t", target,
                 str(spec.context)], env)
        _docker(["push", target], env)
        inspected = _docker(["image", "inspect", "--format", "{{index .RepoDigests 0}}", target], env)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise TerraformError(f"Building and pushing {target} with Docker failed ({exc}). The repository exists; "
                             "nothing else was applied. `make deploy-aws` needs a running Docker engine to "
                             "build container images.") from None
    return inspected.strip().rpartition("@")[2]


def _has_buildx(env: Mapping[str, str]) -> bool:
    try:
        _docker(["buildx", "version"], env)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def _docker(args: list[str], env: Mapping[str, str], stdin: str | None = None) -> str:
    return subprocess.run(["docker", *args], env=dict(env), input=stdin, capture_output=True, text=True,
                          check=True, timeout=1800).stdout
