"""Server-side encryption with customer-provided keys (SSE-C), which moto 5.2.5 ignores entirely.

"Using server-side encryption with customer-provided keys (SSE-C)", S3 User Guide:
- A write (PutObject, CreateMultipartUpload, CopyObject) sends x-amz-server-side-encryption-customer-
  algorithm (only AES256), -key (256 bits, base64) and -key-MD5; the MD5 must be the key's. The answer
  echoes the algorithm and the key's MD5, and no x-amz-server-side-encryption.
- Reading such an object (GetObject, HeadObject) needs the same key: without the headers 400 InvalidRequest,
  with another key 403 AccessDenied.
The object's bytes are kept as they are; what is emulated is the contract a client sees.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.s3.exceptions import InvalidArgumentError, S3ClientError

PREFIX = "x-amz-server-side-encryption-customer-"
_MARK = "__localcloud_sse_c__"
_SUBRESOURCES = ("tagging", "acl", "retention", "legal-hold", "restore", "select", "uploadId", "uploads")


class SseCError(S3ClientError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


class InvalidEncryptionAlgorithm(S3ClientError):
    def __init__(self, value: str) -> None:
        super().__init__("InvalidEncryptionAlgorithmError",
                         "The Encryption request you specified is not valid. Supported value: AES256.")
        self.extra_fields = {"ArgumentName": "x-amz-server-side-encryption", "ArgumentValue": value}


def customer_key(headers: Any, reading: bool = False) -> tuple[str, str] | None:
    """(algorithm, key MD5) of a request's SSE-C headers, checked; None without them. On a read, a key-MD5
    header that is not the key's makes it a wrong key (AccessDenied, as recorded from AWS), not a bad
    argument."""
    algorithm = headers.get(PREFIX + "algorithm")
    key = headers.get(PREFIX + "key")
    if algorithm is None and key is None:
        return None
    if algorithm != "AES256":
        raise InvalidEncryptionAlgorithm(algorithm or "")
    try:
        raw = base64.b64decode(key or "", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        if reading:
            return algorithm, "not a 256-bit key"
        error = S3ClientError("InvalidArgument", "The secret key was invalid for the specified algorithm.")
        error.extra_fields = {"ArgumentName": "x-amz-server-side-encryption"}  # as recorded from AWS
        raise error
    digest = base64.b64encode(hashlib.md5(raw, usedforsecurity=False).digest()).decode()
    given = headers.get(PREFIX + "key-MD5")
    if given is not None and given != digest:
        if reading:
            return algorithm, "mismatched key MD5"
        raise InvalidArgumentError("The calculated MD5 hash of the key did not match the hash that was provided.",
                                   PREFIX + "key", "")
    return algorithm, digest


def _echo(headers: Any, sse_c: tuple[str, str]) -> dict[str, Any]:
    headers = {k: v for k, v in dict(headers).items() if k.lower() != "x-amz-server-side-encryption"}
    headers[PREFIX + "algorithm"], headers[PREFIX + "key-MD5"] = sse_c
    return headers


def _key_response(original: Any) -> Any:
    @functools.wraps(original)
    def key_response(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        method = request.method
        reading = method in ("GET", "HEAD") and not any(name in query for name in _SUBRESOURCES)
        sent = customer_key(self.headers, reading)
        if reading:
            key = self.backend.get_object(self.bucket_name, self.parse_key_name(),
                                          version_id=(query.get("versionId") or [None])[0])
            stored = getattr(key, "localcloud_sse_c", None) if key is not None else None
            if stored is not None:
                if sent is None:
                    raise SseCError("InvalidRequest", "The object was stored using a form of Server Side "
                                    "Encryption. The correct parameters must be provided to retrieve the object.")
                if sent[1] != stored[1]:
                    raise SseCError("AccessDenied", "Requests specifying Server Side Encryption with Customer "
                                    "provided keys must provide the correct secret key.")
        answer = original(self, request, full_url, *args, **kwargs)
        if not isinstance(answer, tuple) or len(answer) != 3 or sent is None or not 200 <= int(answer[0]) < 300:
            return answer
        status, headers, body = answer
        if method == "PUT" and not any(name in query for name in _SUBRESOURCES):  # PutObject, CopyObject
            key = self.backend.get_object(self.bucket_name, self.parse_key_name())
            if key is not None:
                key.localcloud_sse_c, key.encryption = sent, None
            return status, _echo(headers, sent), body
        if reading or (method == "POST" and "uploads" in query):
            return status, _echo(headers, sent), body
        return answer

    setattr(key_response, _MARK, original)
    return key_response
