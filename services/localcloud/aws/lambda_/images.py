"""Container-image functions in Lambda's control plane: Code.ImageUri is checked against the local ECR.

CreateFunction and UpdateFunctionCode with an ImageUri resolve it to the image's manifest digest, as AWS
does: a tag that is not in the repository is refused with InvalidParameterValueException "Source image
<uri> does not exist. Provide a valid source image.", a URI that is not an ECR image reference with "Source
image <uri> is not valid. Provide a valid source image." (the messages AWS answers; reported in
aws/aws-cdk#24648 and hashicorp/terraform-provider-aws#16664's threads). CodeSha256 is then the digest's hex
and CodeSize 0, and GetFunction's Code.ResolvedImageUri is `<repository>@sha256:<hex>`.

The check itself is a moto patch (moto_patches/awslambda.py, LambdaFunction._set_function_code): moto only
hashes the URI text unless told to look in its own ECR, whose tag parsing breaks on a registry host with a
port. The reads are reshaped here (responses of GetFunction / GetFunctionConfiguration, control_plane.py).
"""

from __future__ import annotations

import re
from typing import Any

from localcloud.runtime.image_source import repository_part

# <registry>/<repository>(:<tag>|@sha256:<hex>): AWS's ECR host, or any registry host the local ECR serves.
ECR_IMAGE_URI = re.compile(r"^[a-z0-9.-]+(:\d+)?/[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$")


class ImageRefused(Exception):
    """str() is AWS's message (InvalidParameterValueException)."""


def resolve_digest(image_uri: str, architecture: str = "x86_64") -> str:
    """The manifest digest ("sha256:...") `image_uri` names in the local ECR, or ImageRefused. AWS wants a
    tag or a digest in the URI (hashicorp/terraform#27963: without one, "is not valid")."""
    not_valid = f"Source image {image_uri} is not valid. Provide a valid source image."
    if not isinstance(image_uri, str) or not ECR_IMAGE_URI.match(image_uri):
        raise ImageRefused(not_valid)
    from localcloud.aws.ecr import images

    try:
        image = images.resolve(image_uri, architecture=architecture)
    except images.NotAnEcrImage:
        raise ImageRefused(not_valid) from None
    except images.ImageNotFound:
        raise ImageRefused(f"Source image {image_uri} does not exist. Provide a valid source image.") from None
    return image.digest


def reshape_configuration(configuration: dict[str, Any]) -> None:
    """AWS's FunctionConfiguration of an image function: no Runtime or Handler (the image has them), and
    ImageConfigResponse only for what ImageConfig set (moto always sends empty Command and EntryPoint lists,
    which the Terraform provider reads back as an image_config block the configuration never had)."""
    if configuration.get("PackageType") != "Image":
        return
    for absent in ("Runtime", "Handler"):
        if not configuration.get(absent):
            configuration.pop(absent, None)
    response = configuration.get("ImageConfigResponse") or {}
    settings = {k: v for k, v in (response.get("ImageConfig") or {}).items() if v not in (None, [], "")}
    if settings:
        configuration["ImageConfigResponse"] = {"ImageConfig": settings}
    else:
        configuration.pop("ImageConfigResponse", None)


def reshape_code(document: dict[str, Any]) -> None:
    """GetFunction's Code for an image: ResolvedImageUri = repository@sha256:<CodeSha256>, also when
    ImageUri names a registry host with a port or is already a digest (moto cuts at the first colon)."""
    code = document.get("Code") or {}
    configuration = document.get("Configuration") or {}
    if code.get("ImageUri") and configuration.get("CodeSha256"):
        code["ResolvedImageUri"] = f"{repository_part(code['ImageUri'])}@sha256:{configuration['CodeSha256']}"
