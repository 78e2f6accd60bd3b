"""Image manifests: the media types ECR accepts, what a manifest refers to, and the size ECR reports.

Media types from the OCI image spec (image-spec/manifest.md, image-index.md) and Docker's image manifest
v2 schema 2 (distribution/docs/spec/manifest-v2-2.md), the four ECR lists as supported image manifest
formats ("Container image manifest format support", ECR User Guide).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
IMAGE_MANIFESTS = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEXES = (OCI_INDEX, DOCKER_LIST)
MEDIA_TYPES = IMAGE_MANIFESTS + INDEXES

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


class ManifestInvalid(ValueError):
    """Not a manifest this registry accepts (OCI: MANIFEST_INVALID)."""


@dataclass(frozen=True)
class Parsed:
    media_type: str
    document: dict[str, Any]

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEXES

    @property
    def blobs(self) -> list[str]:
        """Digests of the blobs an image manifest needs in the repository: config first, then layers."""
        if self.is_index:
            return []
        return [self.document["config"]["digest"], *(layer["digest"] for layer in self.document["layers"])]

    @property
    def children(self) -> list[dict[str, Any]]:
        """An index's manifest descriptors (digest, mediaType, size, platform)."""
        return list(self.document.get("manifests", [])) if self.is_index else []


def parse(body: bytes, content_type: str | None) -> Parsed:
    """The manifest in `body`; its media type from the document's `mediaType`, else from Content-Type.
    Raises ManifestInvalid with what is wrong."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ManifestInvalid(f"the manifest is not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise ManifestInvalid("the manifest is not a JSON object")
    declared = (content_type or "").split(";", 1)[0].strip()
    media_type = document.get("mediaType") or declared
    if media_type not in MEDIA_TYPES:
        raise ManifestInvalid(f"manifest media type {media_type or '(none)'!r} is not supported; ECR accepts "
                              f"{', '.join(MEDIA_TYPES)}")
    if declared and declared in MEDIA_TYPES and document.get("mediaType") and declared != document["mediaType"]:
        raise ManifestInvalid(f"Content-Type {declared} does not match the manifest's mediaType "
                              f"{document['mediaType']}")
    if document.get("schemaVersion") != 2:
        raise ManifestInvalid("schemaVersion must be 2")
    parsed = Parsed(media_type, document)
    try:
        if parsed.is_index:
            if not all(isinstance(d.get("digest"), str) for d in document["manifests"]):
                raise ManifestInvalid("every entry of manifests needs a digest")
        else:
            parsed.blobs  # noqa: B018  (config and layers must be there, each with a digest)
    except (KeyError, TypeError, AttributeError) as exc:
        raise ManifestInvalid(f"the manifest lacks {exc}") from None
    return parsed


def image_size(document: dict[str, Any]) -> int:
    """ECR's imageSizeInBytes of an image manifest: the sum of its (compressed) layers' sizes, as pushed
    (ImageDetail: "the size, in bytes, of the image in the repository"; for a manifest list ECR reports the
    largest of its manifests, which control.py works out from the repository)."""
    return sum(int(layer.get("size") or 0) for layer in document.get("layers", []))
