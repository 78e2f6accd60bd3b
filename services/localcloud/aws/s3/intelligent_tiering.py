"""S3 Intelligent-Tiering archive configurations (Put/Get/List/DeleteBucketIntelligentTieringConfiguration,
S3 API reference), which moto 5.2.5 does not have: a PUT ?intelligent-tiering fell through to CreateBucket
and answered 200 without storing anything.

A configuration is stored with its bucket (so it is saved and restored with it) as the XML document sent.
PUT checks what AWS checks: the `id` parameter is the document's Id (else MalformedXML), Status is Enabled
or Disabled, each Tiering's AccessTier is ARCHIVE_ACCESS (90 to 730 days) or DEEP_ARCHIVE_ACCESS (180 to 730
days) ("Using S3 Intelligent-Tiering", S3 User Guide). A missing configuration is 404 NoSuchConfiguration.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qs, urlparse

import xmltodict
from moto.s3.exceptions import MalformedXML

from localcloud.aws.s3.presign import error_response

_MARK = "__localcloud_intelligent_tiering__"
NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
DAYS = {"ARCHIVE_ACCESS": (90, 730), "DEEP_ARCHIVE_ACCESS": (180, 730)}
MISSING = ("NoSuchConfiguration", "The specified configuration does not exist.")


def _configurations(bucket: Any) -> dict[str, dict[str, Any]]:
    stored = getattr(bucket, "localcloud_intelligent_tiering", None)
    if stored is None:
        stored = bucket.localcloud_intelligent_tiering = {}
    return stored


def parse_configuration(document: bytes, expected_id: str) -> dict[str, Any]:
    try:
        parsed = xmltodict.parse(document, force_list=("Tiering",)).get("IntelligentTieringConfiguration")
    except Exception:  # expat's errors are not one class
        raise MalformedXML() from None
    if not isinstance(parsed, dict) or parsed.get("Id") != expected_id or parsed.get("Status") not in (
            "Enabled", "Disabled") or not parsed.get("Tiering"):
        raise MalformedXML()
    for tiering in parsed["Tiering"]:
        bounds = DAYS.get((tiering or {}).get("AccessTier", ""))
        days = str((tiering or {}).get("Days", ""))
        if bounds is None or not days.isdigit() or not bounds[0] <= int(days) <= bounds[1]:
            raise MalformedXML()
    parsed.pop("@xmlns", None)
    return parsed


def _xml(root: str, content: dict[str, Any]) -> bytes:
    return xmltodict.unparse({root: {"@xmlns": NAMESPACE, **content}}).encode()


def answer(backend: Any, method: str, bucket_name: str, query: dict[str, list[str]], body: bytes) -> Any:
    bucket = backend.get_bucket(bucket_name)  # NoSuchBucket first
    stored = _configurations(bucket)
    config_id = (query.get("id") or [None])[0]
    if method == "PUT":
        stored[config_id or ""] = parse_configuration(body, config_id or "")
        return 204, {}, b""  # as recorded from AWS
    if method == "GET" and config_id is None:
        listing = {"IsTruncated": "false", "IntelligentTieringConfiguration": list(stored.values())}
        return 200, {"Content-Type": "application/xml"}, _xml("ListBucketIntelligentTieringConfigurationsOutput",
                                                              listing)
    if config_id not in stored:
        return error_response(404, *MISSING)
    if method == "DELETE":
        del stored[config_id]
        return 204, {}, b""
    return 200, {"Content-Type": "application/xml"}, _xml("IntelligentTieringConfiguration", stored[config_id])


def _bucket_response(original: Any) -> Any:
    @functools.wraps(original)
    def bucket_response(self: Any, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        if "intelligent-tiering" not in query or request.method not in ("GET", "PUT", "DELETE"):
            return original(self, request, full_url, *args, **kwargs)
        return answer(self.backend, request.method, self.bucket_name, query, self.body or b"")

    setattr(bucket_response, _MARK, original)
    return bucket_response
