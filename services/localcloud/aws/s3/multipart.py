"""CompleteMultipartUpload checks each listed part as AWS does (S3 API reference, CompleteMultipartUpload):
the part must exist with that ETag, and a part checksum given in the request (ChecksumCRC32, ...) must be
the part's. Otherwise 400 InvalidPart, naming the ETag, PartNumber and UploadId it refers to (as recorded
from AWS); moto did not check part checksums and named nothing. S3 XML errors may carry such fields:
an error's `extra_fields` are written after its Message.
"""

from __future__ import annotations

import functools
from typing import Any
from xml.dom import minidom

from moto.s3.exceptions import S3ClientError

from localcloud.aws.s3.checksums import ALGORITHMS, compute_checksum

_MARK = "__localcloud_multipart__"
INVALID_PART_MESSAGE = ("One or more of the specified parts could not be found.  The part may not have been "
                        "uploaded, or the specified entity tag may not match the part's entity tag.")


class InvalidPart(S3ClientError):
    def __init__(self, etag: str, part_number: int, upload_id: str) -> None:
        super().__init__("InvalidPart", INVALID_PART_MESSAGE)
        self.extra_fields = {"UploadId": upload_id, "PartNumber": str(part_number), "ETag": etag}


def _text(node: Any, name: str) -> str | None:
    found = node.getElementsByTagName(name)
    return found[0].firstChild.wholeText if found and found[0].firstChild else None


def check_parts(multipart: Any, upload_id: str, body: bytes) -> None:
    for node in minidom.parseString(body).getElementsByTagName("Part"):
        number_text = _text(node, "PartNumber")
        if number_text is None or not number_text.strip().isdigit():
            continue  # moto answers malformed XML itself
        number, etag = int(number_text), (_text(node, "ETag") or "").strip().strip('"')
        part = multipart.parts.get(number)
        if part is None or part.etag.strip('"') != etag:
            raise InvalidPart(etag, number, upload_id)
        for algorithm in ALGORITHMS:
            given = _text(node, f"Checksum{algorithm}")
            if given is not None and given.split("-")[0] != compute_checksum(part.value, algorithm).decode():
                raise InvalidPart(etag, number, upload_id)


def _complete_body(original: Any) -> Any:
    @functools.wraps(original)
    def complete_multipart_body(self: Any, body: bytes) -> Any:
        upload_id = (self.querystring.get("uploadId") or [""])[0]
        try:
            multipart = self.backend.get_bucket(self.bucket_name).multiparts.get(upload_id)
        except S3ClientError:
            multipart = None
        if multipart is not None:
            check_parts(multipart, upload_id, body)
        return original(self, body)

    setattr(complete_multipart_body, _MARK, original)
    return complete_multipart_body


def _error_metadata(original: Any) -> Any:
    @functools.wraps(original)
    def serialize_error_metadata(self: Any, serialized: Any, error: Exception, shape: Any) -> None:
        original(self, serialized, error, shape)
        for name, value in (getattr(error, "extra_fields", None) or {}).items():
            serialized.setdefault(name, value)

    setattr(serialize_error_metadata, _MARK, original)
    return serialize_error_metadata
