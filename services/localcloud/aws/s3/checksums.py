"""S3 object checksums as AWS computes and checks them ("Checking object integrity in Amazon S3", S3 User
Guide; PutObject / UploadPart in the S3 API reference).

- The five algorithms, exactly. moto 5.2.5 silently falls back to CRC32 for CRC32C and CRC64NVME when the
  optional `crc32c` / `awscrt` packages are missing, which gave wrong values; awscrt (AWS's Common Runtime,
  the package botocore itself uses for these two) is a dependency of localcloud.
- A checksum the client sends is checked against the body: more than one x-amz-checksum-* header is
  refused ("Expecting a single x-amz-checksum- header"), a value that is not the algorithm's digest in
  base64 is "Value for x-amz-checksum-<alg> header is invalid.", and one that does not match the body is
  BadDigest ("The <ALG> you specified did not match the calculated checksum."). moto stored whatever it
  was sent, so a corrupted upload passed here and fails on AWS.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from awscrt import checksums as crt
from moto.s3.exceptions import S3ClientError

# algorithm -> (digest of the bytes, digest length in bytes)
ALGORITHMS: dict[str, tuple[Callable[[bytes], bytes], int]] = {
    "CRC32": (lambda body: binascii.crc32(body).to_bytes(4, "big"), 4),
    "CRC32C": (lambda body: crt.crc32c(body).to_bytes(4, "big"), 4),
    "CRC64NVME": (lambda body: crt.crc64nvme(body).to_bytes(8, "big"), 8),
    "SHA1": (lambda body: hashlib.sha1(body, usedforsecurity=False).digest(), 20),
    "SHA256": (lambda body: hashlib.sha256(body).digest(), 32),
}
HEADER_PREFIX = "x-amz-checksum-"
_NOT_ALGORITHM_HEADERS = {"x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode"}


def digest(body: bytes, algorithm: str) -> bytes:
    return ALGORITHMS[algorithm.upper()][0](body)


def compute_checksum(body: bytes, algorithm: str, encode_base64: bool = True) -> bytes:
    """moto's compute_checksum, with every algorithm computed as AWS computes it (SHA256 for unknown ones,
    as moto does)."""
    raw = digest(body, algorithm if algorithm and algorithm.upper() in ALGORITHMS else "SHA256")
    return base64.b64encode(raw) if encode_base64 else raw


class InvalidChecksumRequest(S3ClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequest", message)


class BadDigest(S3ClientError):
    def __init__(self, algorithm: str) -> None:
        super().__init__("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")


def checksum_headers(headers: Any) -> dict[str, str]:
    """The x-amz-checksum-<algorithm> headers of a request, by algorithm (upper case)."""
    found = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith(HEADER_PREFIX) and lowered not in _NOT_ALGORITHM_HEADERS:
            found[lowered[len(HEADER_PREFIX):].upper()] = value
    return found


def verify(headers: Any, body: bytes) -> None:
    """Refuse a request whose x-amz-checksum-* header is not one well-formed digest of `body`."""
    given = checksum_headers(headers)
    if not given:
        return
    if len(given) > 1:
        raise InvalidChecksumRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                                     "not allowed.")
    (algorithm, value), = given.items()
    if algorithm not in ALGORITHMS:
        raise InvalidChecksumRequest(f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != ALGORITHMS[algorithm][1]:
        raise InvalidChecksumRequest(f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")
    if decoded != digest(body, algorithm):
        raise BadDigest(algorithm)


def _verified(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def verified(self: Any, *args: Any, **kwargs: Any) -> Any:
        # A trailing checksum (aws-chunked uploads) arrives after the body, not as a header; moto reads it.
        verify(self.headers, self.body or b"")
        return method(self, *args, **kwargs)

    verified.__localcloud_checksums__ = method  # type: ignore[attr-defined]
    return verified
