"""S3 request rules AWS enforces where moto 5.2.5 failed with a Python error (an InternalFailure here).

- x-amz-copy-source (CopyObject, UploadPartCopy) is "<bucket>/<key>", URL-encoded, optionally
  "?versionId=..." (S3 API reference, CopyObject: CopySource). Anything else is 400 InvalidArgument
  "Invalid copy source object key", ArgumentName x-amz-copy-source; moto could not unpack it.
- x-amz-expected-bucket-owner (every bucket and object operation, ExpectedBucketOwner in the API
  reference; "Verifying bucket ownership with bucket owner condition", S3 User Guide): not a 12-digit
  account id, 400 InvalidBucketOwnerAWSAccountID; another account's id, 403 AccessDenied. moto ignored it.
- Object Lock retention on a write (PutObject, CopyObject, CreateMultipartUpload): x-amz-object-lock-mode and
  x-amz-object-lock-retain-until-date come together ("must both be supplied"), S3 API reference.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import unquote, urlparse

from moto.s3.exceptions import InvalidArgumentError, S3AccessDeniedError, S3ClientError

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


_ACCOUNT_ID = re.compile(r"^\d{12}$")


class InvalidBucketOwnerAccountId(S3ClientError):
    def __init__(self, value: str) -> None:
        super().__init__("InvalidBucketOwnerAWSAccountID",
                         f"The value of the expected bucket owner parameter must be an AWS Account ID... [{value}]")


def check_expected_bucket_owner(response: Any) -> None:
    expected = response.headers.get("x-amz-expected-bucket-owner")
    if expected is None:
        return
    if not _ACCOUNT_ID.match(expected):
        raise InvalidBucketOwnerAccountId(expected)
    try:
        owner = response.backend.get_bucket(response.bucket_name).account_id
    except S3ClientError:
        return  # no such bucket: the operation answers that itself
    if expected != owner:
        raise S3AccessDeniedError()


def _owner_checked(original: Any) -> Any:
    @functools.wraps(original)
    def checked(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "bucket_name", None):
            check_expected_bucket_owner(self)
        return original(self, request, full_url, *args, **kwargs)

    setattr(checked, _MARK, original)
    return checked


_LOCK_HEADERS = ("x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date")


def check_lock_headers(headers: Any) -> None:
    given = [name for name in _LOCK_HEADERS if headers.get(name)]
    if len(given) == 1:
        missing = next(name for name in _LOCK_HEADERS if name not in given)
        raise InvalidArgumentError("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                                   "supplied", missing, None)


def _lock_checked(original: Any) -> Any:
    @functools.wraps(original)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        check_lock_headers(self.headers)
        return original(self, *args, **kwargs)

    setattr(checked, _MARK, original)
    return checked
