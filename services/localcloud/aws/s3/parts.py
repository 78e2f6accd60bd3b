"""GetObject / HeadObject with PartNumber read one part of a multipart object (S3 API reference, GetObject:
partNumber "Part number of the object being read. ... Effectively performs a 'ranged' GET request for the
part specified"); moto 5.2.5 ignored the parameter and answered the whole object with 200.

- A multipart object's part N: 206 Partial Content, that part's bytes, the object's ETag, Content-Range
  over the whole object, x-amz-mp-parts-count; with ChecksumMode, the part's own checksum for a COMPOSITE object and none
  for a FULL_OBJECT one (a full-object checksum does not describe a part).
- A part number past the last part: 416 InvalidPartNumber "The requested partnumber is not satisfiable".
- A single-part object has one part, the whole object.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.s3.exceptions import S3ClientError

from localcloud.aws.s3.checksums import compute_checksum
from localcloud.aws.s3.presign import error_response

_MARK = "__localcloud_parts__"


class InvalidPartNumber(S3ClientError):
    def __init__(self, requested: int, actual: int) -> None:
        super().__init__("InvalidPartNumber", "The requested partnumber is not satisfiable")
        self.extra_fields = {"PartNumberRequested": str(requested), "ActualPartCount": str(actual)}

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        return error_response(416, self.code, self.message, **self.extra_fields)


def _part_bounds(key: Any, number: int) -> tuple[int, int, int, Any]:
    """(first byte, last byte, part count, the part or None) of part `number`."""
    parts = getattr(getattr(key, "multipart", None), "parts", None) or {}
    if not parts:
        if number != 1:
            raise InvalidPartNumber(number, 1)
        return 0, key.size - 1, 1, None
    numbers = sorted(parts)
    if number not in parts:
        raise InvalidPartNumber(number, len(numbers))
    start = sum(parts[n].size for n in numbers if n < number)
    return start, start + parts[number].size - 1, len(numbers), parts[number]


def _key_response(original: Any) -> Any:
    @functools.wraps(original)
    def key_response(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        requested = (query.get("partNumber") or [None])[0]
        if request.method not in ("GET", "HEAD") or requested is None or not requested.isdigit():
            return original(self, request, full_url, *args, **kwargs)
        key = self.backend.get_object(self.bucket_name, self.parse_key_name(),
                                      version_id=(query.get("versionId") or [None])[0])
        answer = original(self, request, full_url, *args, **kwargs)
        if key is None or not isinstance(answer, tuple) or len(answer) != 3 or int(answer[0]) != 200:
            return answer
        status, headers, body = answer
        try:
            first, last, count, part = _part_bounds(key, int(requested))
        except InvalidPartNumber as refusal:
            return refusal.answer()
        headers = {k: v for k, v in dict(headers).items() if not k.lower().startswith("x-amz-checksum-")}
        headers = {k: v for k, v in headers.items() if k.lower() != "etag"}
        headers["ETag"] = key.etag  # the object's, not the part's (moto's HEAD gave the part's)
        headers["content-range"] = f"bytes {first}-{last}/{key.size}"
        headers["content-length"] = str(last - first + 1)
        if part is not None:
            headers["x-amz-mp-parts-count"] = str(count)
            checksum_mode = str(self.headers.get("x-amz-checksum-mode", "")).upper() == "ENABLED"
            if checksum_mode and key.checksum_type == "COMPOSITE" and key.checksum_algorithm:
                # The part's bytes from the object (moto empties a part's own buffer once it is completed).
                headers[f"x-amz-checksum-{key.checksum_algorithm.lower()}"] = compute_checksum(
                    key.value[first:last + 1], key.checksum_algorithm).decode()
                headers["x-amz-checksum-type"] = "COMPOSITE"
        if request.method == "GET":
            data = body if isinstance(body, bytes) else (body or "").encode()
            body = data[first:last + 1]
        return 206, headers, body

    setattr(key_response, _MARK, original)
    return key_response
