"""Images in the local ECR, for code inside the server (the Lambda runtime): `resolve(image_uri)`.

    from localcloud.aws.ecr.images import resolve, ImageNotFound
    image = resolve("123456789012.dkr.ecr.us-east-1.amazonaws.com/records:latest")
    image.config["config"]["Cmd"]          # the OCI image config, as pushed
    for layer in image.layers: ...          # blob files, base layer first; tarfile.open(layer, "r:*")

Accepted forms of `image_uri` (what Terraform passes as `image_uri`, on AWS and here):
- `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>` and `...<repo>@sha256:<hex>` (also
  `<repo>:<tag>@sha256:<hex>`: the digest wins), no tag meaning `latest`;
- `<account>.dkr.ecr.<region>.localhost.localstack.cloud[:<port>]/<repo>...`, LocalStack's host form;
- the path form `localhost[:<port>]/<repo>...` or `127.0.0.1[:<port>]/<repo>...`: the endpoint's account,
  and the region that holds the repository (service.RegistryService.path_form_registry).

A manifest list / OCI index resolves to the image for `architecture` (Lambda's `x86_64` -> linux/amd64,
`arm64` -> linux/arm64), as Lambda picks the image matching the function's architecture.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localcloud.aws.ecr import control, manifests
from localcloud.aws.ecr.control import Registry
from localcloud.aws.ecr.service import LOOPBACK, RegistryService, host_name, registry_of_host

PLATFORM_OF_ARCHITECTURE = {"x86_64": "amd64", "arm64": "arm64"}
REFERENCE = re.compile(r"^(?P<repository>[a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
                       r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$")


class NotAnEcrImage(ValueError):
    """The URI names no image of this local ECR (another registry, or not an image reference at all)."""


class ImageNotFound(LookupError):
    """The repository or the image does not exist. `aws_message` is what Lambda says on AWS for it."""

    def __init__(self, message: str, uri: str) -> None:
        super().__init__(message)
        self.aws_message = f"Source image {uri} does not exist. Provide a valid source image."


@dataclass(frozen=True)
class Reference:
    """A parsed image URI."""

    uri: str
    registry: Registry | None  # None: the path form, decided by the repository's region
    repository: str
    tag: str | None  # None when the URI names a digest only
    digest: str | None

    @property
    def reference(self) -> str:
        """What the registry looks the manifest up by: the digest if given, else the tag."""
        return self.digest or self.tag or "latest"


@dataclass(frozen=True)
class Image:
    """One resolved image (never an index: an index is resolved to its image for the architecture).

    `digest` is the image manifest's (what DescribeImages says, and what Lambda reports as the code's
    ResolvedImageUri digest); `index_digest` is the manifest list's when the URI named one."""

    uri: str
    registry: Registry
    repository: str
    tag: str | None
    digest: str
    media_type: str
    manifest: dict[str, Any]
    config: dict[str, Any]
    layers: list[Path]  # the layer blobs, in order (base first): tar, gzip'd tar per layer_media_types
    layer_media_types: list[str] = field(default_factory=list)
    index_digest: str | None = None

    @property
    def resolved_uri(self) -> str:
        """`<registry host>/<repository>@<digest>`: the URI pinned to this image."""
        return f"{self.registry.host}/{self.repository}@{self.digest}"


def parse(image_uri: str) -> Reference:
    """Split an image URI into registry, repository, tag and digest. Raises NotAnEcrImage."""
    host, slash, rest = image_uri.strip().partition("/")
    if not slash or not rest:
        raise NotAnEcrImage(f"{image_uri!r} is not an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/"
                            "<repository>:<tag> or ...@sha256:<digest>)")
    registry = registry_of_host(host)
    if registry is None and host_name(host) not in LOOPBACK:
        raise NotAnEcrImage(f"{image_uri!r} names registry {host}, not an ECR registry of this local cloud "
                            "(<account>.dkr.ecr.<region>.amazonaws.com, or localhost:<port> for the path form)")
    match = REFERENCE.match(rest)
    if not match:
        raise NotAnEcrImage(f"{image_uri!r}: {rest!r} is not <repository>[:<tag>][@sha256:<digest>]")
    tag = match["tag"] or (None if match["digest"] else "latest")
    return Reference(image_uri, registry, match["repository"], tag, match["digest"])


def resolve(image_uri: str, *, architecture: str = "x86_64", service: RegistryService | None = None) -> Image:
    """The image `image_uri` names, with its config read and its layer files located on disk.

    Runs inside the server (it reads moto's ECR state and the registry's blob store; `service` defaults to
    the running one, host.subsystem("ecr-registry")). Raises NotAnEcrImage for a URI of another registry
    and ImageNotFound when the repository, the image, or one of its blobs is missing."""
    from localcloud import host

    service = service or host.subsystem("ecr-registry")
    ref = parse(image_uri)
    from localcloud.state.replay import replaying

    if not replaying():
        # A request replayed from the journal (a CreateFunction naming an image) runs while ECR is being
        # restored: waiting for that would wait for itself. The replay is in order, so what it names is there.
        service.wait_ready()
    registry = ref.registry or service.path_form_registry(ref.repository)
    repo = control.repository(registry, ref.repository)
    if repo is None:
        raise ImageNotFound(f"The repository with name '{ref.repository}' does not exist in the registry with id "
                            f"'{registry.account}' (region {registry.region}); create it (aws_ecr_repository) "
                            "and push the image first.", image_uri)
    found = control.find_image(repo, ref.reference)
    if found is None:
        raise ImageNotFound(f"The image {ref.reference} does not exist in repository {ref.repository} of registry "
                            f"{registry.host}; push it first (localcloud build, or docker push).", image_uri)
    media_type = found.image_manifest_media_type or json.loads(found.image_manifest).get("mediaType", "")
    document = json.loads(found.image_manifest)
    digest, index_digest = found.get_image_digest(), None
    if media_type in manifests.INDEXES:
        index_digest = digest
        child = _child_for(document, architecture, image_uri)
        found = control.find_image(repo, child["digest"])
        if found is None:
            raise ImageNotFound(f"The manifest list {index_digest} names {child['digest']} for {architecture}, "
                                f"which repository {ref.repository} does not hold; push it too.", image_uri)
        document = json.loads(found.image_manifest)
        digest = found.get_image_digest()
        media_type = found.image_manifest_media_type or document.get("mediaType", "")
    parsed = manifests.Parsed(media_type, document)
    missing = [d for d in parsed.blobs if not service.blobs.has(d)]
    if missing:
        raise ImageNotFound(f"The image {digest} in {ref.repository} names blobs the registry does not hold "
                            f"({', '.join(missing)}); push the image again.", image_uri)
    config = json.loads(service.blobs.read(document["config"]["digest"]))
    return Image(uri=image_uri, registry=registry, repository=ref.repository, tag=ref.tag, digest=digest,
                 media_type=media_type, manifest=document, config=config,
                 layers=[service.blobs.path(layer["digest"]) for layer in document["layers"]],
                 layer_media_types=[layer.get("mediaType", "") for layer in document["layers"]],
                 index_digest=index_digest)


def _child_for(index: dict[str, Any], architecture: str, uri: str) -> dict[str, Any]:
    wanted = PLATFORM_OF_ARCHITECTURE.get(architecture, architecture)
    for entry in index.get("manifests", []):
        platform = entry.get("platform") or {}
        if platform.get("os", "linux") == "linux" and platform.get("architecture") == wanted:
            return entry
    offered = [f"{(e.get('platform') or {}).get('os')}/{(e.get('platform') or {}).get('architecture')}"
               for e in index.get("manifests", [])]
    raise ImageNotFound(f"The manifest list {uri} has no linux/{wanted} image (it has {', '.join(offered) or 'none'}); "
                        f"a function with architecture {architecture} needs one.", uri)
