"""moto.ecr: images carry the digest, size and tag history ECR gives them.

ECR names an image by the sha256 of its manifest bytes ("imageDigest: the sha256 digest of the image
manifest", ImageDetail), reports imageSizeInBytes as the sum of its compressed layers (the largest of its
manifests for a manifest list), and moving a tag to a new image in a MUTABLE repository leaves the old
image in place, untagged (lifecycle policies with tagStatus UNTAGGED exist for those). moto hashes the
concatenated layer digests, reports the config's size, and deletes the old image.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("ecr")
INDEXES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")


@PATCHES.replace("moto.ecr.models:Image.get_image_digest", signature="(self)")
def get_image_digest(self: Any) -> str:
    """The digest of an image is the sha256 of its manifest's bytes, as ECR and every registry compute it."""
    if not self._image_digest:
        self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode("utf-8")).hexdigest()
    return self._image_digest


@PATCHES.replace("moto.ecr.models:Image.get_image_size_in_bytes", signature="(self)")
def get_image_size_in_bytes(self: Any) -> int | None:
    """The sum of the layers' sizes (a manifest list's is set when it is pushed: the largest of its images)."""
    known = getattr(self, "localcloud_size", None)
    if known is not None:
        return known
    try:
        document = json.loads(self.image_manifest)
    except ValueError:
        return None
    return sum(int(layer.get("size") or 0) for layer in document.get("layers", []))


@PATCHES.wrap("moto.ecr.models:ECRBackend.put_image",
              signature="(self, repository_name, image_manifest, image_tag, image_manifest_mediatype=None, "
                        "digest=None)")
def put_image(original: Callable[..., Any], self: Any, repository_name: str, image_manifest: str,
              image_tag: str | None, image_manifest_mediatype: str | None = None, digest: str | None = None) -> Any:
    """A tag moved to another image in a MUTABLE repository leaves the old image untagged, not deleted; a
    manifest list's size is the largest of the images it lists that the repository holds."""
    repository = self.repositories.get(repository_name)
    if repository is not None and image_tag and repository.image_tag_mutability == "MUTABLE":
        for image in repository.images:
            if image_tag in image.image_tags and image.image_manifest != image_manifest:
                image.image_tags.remove(image_tag)
                image.image_tag = image.image_tags[-1] if image.image_tags else None
    image = original(self, repository_name, image_manifest, image_tag, image_manifest_mediatype, digest)
    try:
        document = json.loads(image_manifest)
    except ValueError:
        return image
    if (image_manifest_mediatype or document.get("mediaType")) in INDEXES and repository is not None:
        listed = {entry.get("digest") for entry in document.get("manifests", [])}
        sizes = [other.get_image_size_in_bytes() or 0 for other in repository.images
                 if other.get_image_digest() in listed]
        image.localcloud_size = max(sizes, default=0)
    return image


@PATCHES.wrap("moto.ecr.responses:ECRResponse.get_authorization_token", signature="(self)")
def get_authorization_token(original: Callable[..., Any], self: Any) -> Any:
    """A token expires 12 hours after it is issued ("The authorization token is valid for 12 hours",
    GetAuthorizationToken); moto's expired in 2015, so credential helpers that honour expiresAt refetch it on
    every pull."""
    from datetime import datetime, timedelta

    result = original(self)
    for entry in result.result.get("authorizationData", []):
        entry["expiresAt"] = datetime.now(UTC) + timedelta(hours=12)
    return result
