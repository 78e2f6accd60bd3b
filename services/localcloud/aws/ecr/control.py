"""The bridge between the registry's data plane (the OCI API, the builder, the Lambda runtime) and moto's
ECR state: repositories, their images (manifests) and the blobs each repository may read.

Reads go to moto's models directly. A manifest push or delete becomes the ECR API call it is on AWS
(PutImage, BatchDeleteImage) and goes through the endpoint's own request path (`Host.handle_aws`): it is
journaled before it is answered and replayed after a crash, so images pushed through the OCI API survive a
kill -9 like anything Terraform creates, and DescribeImages/BatchGetImage/ListImages show them at once.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud import moto_adapter
from localcloud.state import changes

TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
Response = tuple[int, list[tuple[str, str]], bytes]
HandleAws = Callable[[dict[str, Any]], Response]


@dataclass(frozen=True)
class Registry:
    """One account's registry in one region: `<account>.dkr.ecr.<region>.amazonaws.com`."""

    account: str
    region: str

    @property
    def host(self) -> str:
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"


class EcrError(Exception):
    """An ECR API call failed: `code` is ECR's exception name (RepositoryNotFoundException, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _backends() -> Any:
    return moto_adapter.backends("ecr")


def repository(registry: Registry, name: str) -> Any | None:
    """moto's Repository `name` of this registry, or None."""
    try:
        backend = _backends()[registry.account][registry.region]
    except KeyError:
        return None
    found = backend.repositories.get(name)
    return found if found is not None and found.registry_id == registry.account else None


def regions_holding(account: str, name: str) -> list[str]:
    """The regions where `account` has a repository called `name` (for the path form, which names no region)."""
    held = []
    for region, backend in list(_backends().get(account, {}).items()):
        if name in backend.repositories:
            held.append(region)
    return held


def find_image(repo: Any, reference: str) -> Any | None:
    """The image `reference` (a tag, or a digest "sha256:...") names in moto's repository, or None."""
    for image in list(repo.images):
        if reference.startswith("sha256:"):
            if image.get_image_digest() == reference:
                return image
        elif reference in image.image_tags:
            return image
    return None


def tags(repo: Any) -> list[str]:
    return sorted({tag for image in list(repo.images) for tag in image.image_tags})


def link_blob(repo: Any, digest: str, size: int) -> None:
    """Let the repository read a blob (moto keeps completed layers per repository, as ECR does)."""
    repo.layers[digest] = size
    changes.mark("ecr")


def blob_linked(repo: Any, digest: str) -> bool:
    """A blob uploaded to this repository, or named by one of its images (a link made by an upload just
    before a crash is not journaled, but the manifest that names it is)."""
    return digest in repo.layers or any(digest in _named_by(image.image_manifest) for image in list(repo.images))


def _named_by(manifest: str) -> list[str]:
    try:
        document = json.loads(manifest)
    except ValueError:
        return []
    config = document.get("config", {}).get("digest")
    return [*([config] if config else []), *(layer.get("digest") for layer in document.get("layers", []))]


def referenced_blobs() -> set[str]:
    """Every blob some repository of any account and region links or one of its images names."""
    found: set[str] = set()
    for regions in list(_backends().values()):
        for backend in list(regions.values()):
            for repo in list(backend.repositories.values()):
                found.update(repo.layers)
                for image in list(repo.images):
                    found.update(_named_by(image.image_manifest))
    return found


def call(handle_aws: HandleAws, registry: Registry, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Make the ECR API call `operation` through the endpoint's request path, signed by the account's
    root keys; returns the answer's JSON. Raises EcrError with ECR's code and message."""
    body = json.dumps(payload).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SCRIPT_NAME": "",
        "CONTENT_TYPE": "application/x-amz-json-1.1", "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": f"api.ecr.{registry.region}.amazonaws.com",
        "HTTP_X_AMZ_TARGET": TARGET_PREFIX + operation,
        # moto reads the region and service from the credential scope; the key is the local root's, so IAM
        # evaluates nothing (the registry caller was already let in by its ECR token).
        "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential=test/20150921/{registry.region}/ecr/aws4_request, "
                              "SignedHeaders=host, Signature=localcloud-registry",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "0", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }
    status, _, answer = handle_aws(environ)
    try:
        document = json.loads(answer or b"{}")
    except ValueError:
        document = {"message": answer.decode("utf-8", "replace")}
    if status >= 400:
        code = str(document.get("__type", "ServerException")).rsplit("#", 1)[-1]
        raise EcrError(code, document.get("message") or document.get("Message") or code)
    return document


def put_manifest(handle_aws: HandleAws, registry: Registry, name: str, manifest: bytes, media_type: str,
                 digest: str, tag: str | None) -> None:
    """PutImage: the image `digest` (with `tag`, if pushed by tag). Pushing an image that is already there
    under that reference changes nothing and succeeds, as a registry push does."""
    repo = repository(registry, name)
    if repo is not None:
        existing = find_image(repo, digest)
        if existing is not None and (tag is None or tag in existing.image_tags):
            return
    payload: dict[str, Any] = {"registryId": registry.account, "repositoryName": name,
                               "imageManifest": manifest.decode("utf-8"), "imageManifestMediaType": media_type,
                               "imageDigest": digest}
    if tag is not None:
        payload["imageTag"] = tag
    call(handle_aws, registry, "PutImage", payload)


def delete_manifest(handle_aws: HandleAws, registry: Registry, name: str, reference: str) -> bool:
    """BatchDeleteImage of one tag or digest; False when there was no such image."""
    image_id = {"imageDigest": reference} if reference.startswith("sha256:") else {"imageTag": reference}
    answer = call(handle_aws, registry, "BatchDeleteImage",
                  {"registryId": registry.account, "repositoryName": name, "imageIds": [image_id]})
    return bool(answer.get("imageIds"))
