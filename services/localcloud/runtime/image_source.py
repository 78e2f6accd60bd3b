"""A container-image function's image, from the local ECR, unpacked and planned for the runtime.

The image is the one Code.ImageUri named when the function was created or its code updated: AWS resolves
a tag to a digest then and runs that digest until the next UpdateFunctionCode, whatever is pushed to the
tag meanwhile (ResolvedImageUri in GetFunction). So the store is asked for `<repository>@<digest>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from localcloud.runtime import image_functions, image_layers
from localcloud.runtime.functions import FunctionSpec


class ImageUnavailable(Exception):
    """The function's image cannot run here; str() says why and what to do."""


class NeedsDocker(ImageUnavailable):
    """The image is readable but not an AWS-Python-base image: only a Docker engine can run it."""

    def __init__(self, message: str, image) -> None:
        super().__init__(message)
        self.image = image  # the store's Image: its digest and repository, for `docker run`


@dataclass(frozen=True)
class PreparedImage:
    unpacked: image_layers.UnpackedImage
    plan: image_functions.PythonImagePlan


def repository_part(image_uri: str) -> str:
    """`host[:port]/path/repo` of `...repo:tag` or `...repo@sha256:...` (a port's colon is before the last /)."""
    name = image_uri.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def pinned(image_uri: str, digest: str | None) -> str:
    return f"{repository_part(image_uri)}@{digest}" if digest else image_uri


def resolve(image_uri: str):
    """The store's Image (manifest, config, layers, digest) for `image_uri`, or ImageUnavailable."""
    from localcloud.aws.ecr import images

    try:
        return images.resolve(image_uri)
    except Exception as exc:  # noqa: BLE001  (the store's not-found and unreadable cases alike)
        raise ImageUnavailable(f"The image {image_uri} cannot be read from the local ECR ({exc}); the function "
                               "cannot start. Push the image again (localcloud build, or docker push) and update "
                               "the function's code (UpdateFunctionCode with ImageUri).") from None


def prepare(cache_root: Path, spec: FunctionSpec) -> PreparedImage:
    uri = pinned(spec.image_uri or "", spec.image_digest)
    image = resolve(uri)
    try:
        unpacked = image_layers.unpack(cache_root, image.digest, list(image.layers))
    except image_layers.UnreadableImage as exc:
        raise NeedsDocker(f"The image {spec.image_uri} cannot be unpacked here: {exc}.", image) from None
    try:
        image_plan = image_functions.plan(spec.image_uri or uri, image.config, unpacked,
                                          image_functions.ImageOverrides.from_config(dict(spec.image_config)))
    except image_functions.ImageNotRunnable as exc:
        raise NeedsDocker(str(exc), image) from None
    return PreparedImage(unpacked, image_plan)
