"""Deployment packages refused at upload, as AWS refuses them: CreateFunction, UpdateFunctionCode and
PublishLayerVersion answer InvalidParameterValueException for a zip that does not unzip, names a path
outside its directory, or unzips to 250 MB or more; RequestEntityTooLargeException (413) for an inline zip over 50 MB (runtime/code.py has the rules and AWS's messages).

The zip comes inline (base64 ZipFile) or from S3 (S3Bucket/S3Key/S3ObjectVersion), read out of moto's store.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from localcloud.aws.registry import handles
from localcloud.runtime.code import UNZIP_FAILED, InvalidPackage, check
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

# A zip sent in the request itself (ZipFile) is at most 50 MB; larger ones go through S3.
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("50 MB (zipped, when uploaded
# through the Lambda API or SDKs)")
DIRECT_UPLOAD_LIMIT = 52428800


def _from_s3(request: AwsRequest, code: dict[str, Any]) -> bytes | None:
    from localcloud.moto_adapter import s3_backends

    try:
        key = s3_backends[request.account_id]["global"].get_object(
            code["S3Bucket"], code["S3Key"], version_id=code.get("S3ObjectVersion"))
    except Exception:  # noqa: BLE001  (missing bucket or key: moto answers that as AWS does)
        return None
    return key.value if key is not None else None


def refusal(request: AwsRequest, code: dict[str, Any] | None):
    """AWS's error for the package in `code` (a Code/Content member), or None to go on."""
    if not isinstance(code, dict):
        return None
    if code.get("ZipFile"):
        try:
            package = base64.b64decode(code["ZipFile"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            return aws_error("lambda", 400, "InvalidParameterValueException", UNZIP_FAILED)
        if len(package) > DIRECT_UPLOAD_LIMIT:
            return aws_error("lambda", 413, "RequestEntityTooLargeException",
                             f"Zipped size must be smaller than {DIRECT_UPLOAD_LIMIT} bytes")
    elif code.get("S3Bucket") and code.get("S3Key"):
        package = _from_s3(request, code)
        if package is None:
            return None
    else:
        return None  # an image, or nothing: moto validates
    try:
        check(package)
    except InvalidPackage as refused:
        return aws_error("lambda", 400, "InvalidParameterValueException", str(refused))
    return None


@handles("awslambda", "UpdateFunctionCode")
def update_function_code(request: AwsRequest):
    from localcloud.aws.lambda_.control_plane import rewrite  # (it imports the registry, as this module does)

    return refusal(request, request.json()) or rewrite(request, lambda document: document)


@handles("awslambda", "PublishLayerVersion")
def publish_layer_version(request: AwsRequest):
    return refusal(request, request.json().get("Content"))
