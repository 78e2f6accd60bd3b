"""S3 request rules AWS enforces where moto 5.2.5 failed with a Python error (an InternalFailure here).

- x-amz-copy-source (CopyObject, UploadPartCopy) is "<bucket>/<key>", URL-encoded, optionally
  "?versionId=..." (S3 API reference, CopyObject: CopySource). Anything else is 400 InvalidArgument
  "Invalid copy source object key", ArgumentName x-amz-copy-source; moto could not unpack it.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote, urlparse

from moto.s3 import responses as s3_responses
from moto.s3.exceptions import InvalidArgumentError

_MARK = "__localcloud_s3_validation__"


def check_copy_source(value: Any) -> None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    bucket, _, key = unquote(urlparse(value or "").path).lstrip("/").partition("/")
    if not bucket or not key:
        # AWS names the header as the argument's value too (as recorded from AWS).
        raise InvalidArgumentError("Invalid copy source object key", "x-amz-copy-source", "x-amz-copy-source")


def _copy_source_checked(original: Any) -> Any:
    @functools.wraps(original)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        check_copy_source(self.headers.get("x-amz-copy-source"))
        return original(self, *args, **kwargs)

    setattr(checked, _MARK, original)
    return checked


def install() -> None:
    response = s3_responses.S3Response
    for name in ("copy_object", "upload_part_copy"):
        method = getattr(response, name)
        if getattr(method, _MARK, None) is None:
            setattr(response, name, _copy_source_checked(method))
