"""What every S3 object has on AWS without being asked, and moto 5.2.5 leaves out.

- Server-side encryption: since 5 January 2023 every new object is encrypted, SSE-S3 (AES256) unless the
  request or the bucket's default encryption says otherwise ("Amazon S3 now automatically encrypts all new
  objects", S3 User Guide, default-encryption FAQ). Object responses (PutObject, GetObject, HeadObject,
  CopyObject, CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload) therefore carry
  `x-amz-server-side-encryption`; with SSE-C they carry the customer-key headers instead.
- Default data integrity (December 2024, "Checking object integrity in Amazon S3"): an object uploaded
  without a checksum gets a CRC64NVME one, and every object records its checksum type: FULL_OBJECT for a
  single-part upload; a multipart upload's type is what CreateMultipartUpload said, else COMPOSITE, except
  CRC64NVME, which is FULL_OBJECT only. PutObject answers with the checksum and `x-amz-checksum-type`;
  GetObject/HeadObject with ChecksumMode=ENABLED too; ListObjects(V2)/ListObjectVersions list
  ChecksumAlgorithm and ChecksumType per object; CopyObject's result and CompleteMultipartUpload carry them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse


from localcloud.aws.s3.checksums import checksum_headers, compute_checksum

DEFAULT_ENCRYPTION = "AES256"
DEFAULT_ALGORITHM = "CRC64NVME"
# Key-level sub-resources whose answers are not the object's (tags, ACL, lock settings, ...): no SSE header.
_NOT_OBJECT_ANSWERS = ("tagging", "acl", "retention", "legal-hold", "attributes", "restore", "select", "torrent")
_OBJECT_LISTS = {"ListObjects": "Contents", "ListObjectsV2": "Contents", "ListObjectVersions": "Versions"}
_MARK = "__localcloud_object_defaults__"


def default_multipart_type(algorithm: str | None) -> str | None:
    if not algorithm:
        return None
    return "FULL_OBJECT" if algorithm.upper() == "CRC64NVME" else "COMPOSITE"


def apply_object_defaults(key: Any, body: bytes) -> None:
    if key.encryption is None:
        key.encryption = DEFAULT_ENCRYPTION
    if not key.checksum_value:
        key.checksum_algorithm = DEFAULT_ALGORITHM
        key.checksum_value = compute_checksum(body, DEFAULT_ALGORITHM).decode()
    if not key.checksum_type:
        key.checksum_type = "FULL_OBJECT"


# -- the model: what is stored ---------------------------------------------------------------------------
def _put_object(original: Callable[..., Any]) -> Callable[..., Any]:
    def put_object(self: Any, bucket_name: str, key_name: str, value: bytes, *args: Any, **kwargs: Any) -> Any:
        key = original(self, bucket_name, key_name, value, *args, **kwargs)
        apply_object_defaults(key, value if isinstance(value, bytes) else key.value)
        return key

    return put_object


def _create_multipart_upload(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_multipart_upload(self: Any, *args: Any, **kwargs: Any) -> Any:
        multipart = original(self, *args, **kwargs)
        metadata = multipart.metadata
        if metadata.get("x-amz-checksum-algorithm") and not metadata.get("x-amz-checksum-type"):
            metadata["x-amz-checksum-type"] = default_multipart_type(metadata["x-amz-checksum-algorithm"])
        if not multipart.sse_encryption:
            multipart.sse_encryption = DEFAULT_ENCRYPTION
        return multipart

    return create_multipart_upload


# -- the answers ---------------------------------------------------------------------------------------
def _has_header(headers: Any, name: str) -> bool:
    return any(k.lower() == name for k in headers)


def _key_response(original: Callable[..., Any]) -> Callable[..., Any]:
    """Every successful answer about an object's data says how it is encrypted at rest."""

    def key_response(self: Any, request: Any, full_url: str) -> Any:
        answer = original(self, request, full_url)
        if not isinstance(answer, tuple) or len(answer) != 3:
            return answer
        status, headers, body = answer
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        method = request.method
        if (200 <= int(status) < 300 and method in ("GET", "HEAD", "PUT", "POST")
                and not any(name in query for name in _NOT_OBJECT_ANSWERS)
                and not (method == "GET" and "uploadId" in query)  # ListParts
                and not _has_header(headers, "x-amz-server-side-encryption")
                and not _has_header(headers, "x-amz-server-side-encryption-customer-algorithm")):
            headers = dict(headers)
            headers["x-amz-server-side-encryption"] = DEFAULT_ENCRYPTION
        if (200 <= int(status) < 300 and method in ("GET", "HEAD")
                and not any(name in query for name in (*_NOT_OBJECT_ANSWERS, "uploadId"))
                and str(request.headers.get("x-amz-checksum-mode", "")).upper() == "ENABLED"
                and any(k.lower().startswith("x-amz-checksum-") for k in headers)
                and not _has_header(headers, "x-amz-checksum-type")):
            key = self.backend.get_object(self.bucket_name, self.parse_key_name(),
                                          version_id=(query.get("versionId") or [None])[0])
            headers = dict(headers)
            headers["x-amz-checksum-type"] = (key.checksum_type if key else None) or "FULL_OBJECT"
        if 200 <= int(status) < 300 and not any(name in query for name in _NOT_OBJECT_ANSWERS):
            headers = _version_header(self, method, query, headers)
        return status, headers, body

    return key_response


def _version_header(self: Any, method: str, query: dict[str, list[str]], headers: Any) -> Any:
    """x-amz-version-id is in an object's answers exactly when its bucket has versioning configured
    (Enabled or Suspended), "null" for an object written while it was not ("Working with objects in a
    versioning-enabled bucket", S3 User Guide)."""
    try:
        bucket = self.backend.get_bucket(self.bucket_name)
    except Exception:
        return headers
    present = _has_header(headers, "x-amz-version-id")
    if bucket.versioning_status is None and present:
        return {k: v for k, v in headers.items() if k.lower() != "x-amz-version-id"}
    if bucket.versioning_status is not None and not present and method in ("GET", "HEAD", "PUT"):
        if method == "PUT" and "uploadId" in query:
            return headers  # UploadPart: a part has no version
        if method == "PUT" and bucket.versioning_status == "Suspended" and not self.headers.get("x-amz-copy-source"):
            return headers  # PutObject into a suspended bucket writes the null version and does not say so
        key = self.backend.get_object(self.bucket_name, self.parse_key_name(),
                                      version_id=(query.get("versionId") or [None])[0])
        if key is not None:
            headers = dict(headers)
            headers["x-amz-version-id"] = key.version_id
    return headers


def _put_object_response(original: Callable[..., Any]) -> Callable[..., Any]:
    """PutObject answers with the stored checksum and its type, also when S3 chose the algorithm."""

    def put_object(self: Any) -> Any:
        status, headers, body = original(self)
        key = self.backend.get_object(self.bucket_name, self.parse_key_name())
        sent = checksum_headers(self.headers)
        if key is not None and len(sent) == 1 and not self.headers.get("x-amz-sdk-checksum-algorithm"):
            # A checksum header alone names its algorithm (verified by checksums.py before the write).
            (algorithm, value), = sent.items()
            key.checksum_algorithm, key.checksum_value, key.checksum_type = algorithm, value, "FULL_OBJECT"
        if key is not None and key.checksum_value and key.checksum_algorithm:
            headers[f"x-amz-checksum-{key.checksum_algorithm.lower()}"] = key.checksum_value
            headers["x-amz-checksum-type"] = key.checksum_type or "FULL_OBJECT"
        headers.pop("x-amz-sdk-checksum-algorithm", None)  # a request header; AWS does not echo it
        return status, headers, body

    return put_object


def _checksum_fields(key: Any) -> dict[str, str]:
    if not key or not key.checksum_value or not key.checksum_algorithm:
        return {}
    value = key.checksum_value
    if key.checksum_type == "COMPOSITE" and key.checksum_parts and "-" not in value:
        value = f"{value}-{key.checksum_parts}"
    return {f"Checksum{key.checksum_algorithm.upper()}": value, "ChecksumType": key.checksum_type or "FULL_OBJECT"}


def _listed_object(self: Any, bucket: str, item: dict[str, Any]) -> Any:
    try:
        version = item.get("VersionId")
        return self.backend.get_object(bucket, item["Key"], version_id=version if version != "null" else None)
    except Exception:  # a key listed url-encoded, or gone meanwhile: no checksum type to add
        return None


def _serialized(original: Callable[..., Any]) -> Callable[..., Any]:
    """Fill in the checksum fields of the results moto builds as dicts, before they are serialised."""

    def serialized(self: Any, action_result: Any) -> Any:
        result = getattr(action_result, "result", None)
        if isinstance(result, dict):
            try:
                action = self._get_action()
            except Exception:
                action = None
            if action == "ListObjectVersions" and self.querystring.get("encoding-type"):
                result.setdefault("EncodingType", self.querystring["encoding-type"][0])
            if action in _OBJECT_LISTS:
                for item in result.get(_OBJECT_LISTS[action]) or []:
                    if action == "ListObjectVersions" and "ChecksumAlgorithm" not in item:
                        key = _listed_object(self, result.get("Name", self.bucket_name), item)
                        if key is not None and key.checksum_algorithm:
                            item["ChecksumAlgorithm"] = [key.checksum_algorithm]
                            item["ChecksumType"] = key.checksum_type or "FULL_OBJECT"
                    if item.get("ChecksumAlgorithm") and "ChecksumType" not in item:
                        if "-" in str(item.get("ETag", "")):  # multipart: the type it was uploaded with
                            key = _listed_object(self, result.get("Name", self.bucket_name), item)
                            item["ChecksumType"] = (key.checksum_type if key else None) or "FULL_OBJECT"
                        else:
                            item["ChecksumType"] = "FULL_OBJECT"
            elif action == "ListParts" and result.get("UploadId"):
                upload = self.backend.get_bucket(result.get("Bucket", self.bucket_name)).multiparts.get(
                    result["UploadId"])
                if upload is not None and upload.metadata.get("x-amz-checksum-algorithm"):
                    result.setdefault("ChecksumAlgorithm", upload.metadata["x-amz-checksum-algorithm"])
                    result.setdefault("ChecksumType", upload.metadata.get("x-amz-checksum-type"))
            elif action == "CopyObject" and isinstance(result.get("CopyObjectResult"), dict):
                copied = result["CopyObjectResult"]
                if any(k.startswith("Checksum") for k in copied) and "ChecksumType" not in copied:
                    copied["ChecksumType"] = "FULL_OBJECT"  # a copy is one part, whatever the source was
            elif action == "CompleteMultipartUpload" and result.get("Key"):
                key = self.backend.get_object(result.get("Bucket", self.bucket_name), result["Key"])
                for name, value in _checksum_fields(key).items():
                    result.setdefault(name, value)
            _drop_display_names(result)
        return original(self, action_result)

    return serialized


def _drop_display_names(value: Any) -> None:
    """S3 no longer returns an owner's or grantee's DisplayName (S3 API reference, Owner: DisplayName is
    no longer returned in responses, as recorded from AWS); the ID stays."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in ("Owner", "Grantee") and isinstance(inner, dict):
                inner.pop("DisplayName", None)
            _drop_display_names(inner)
    elif isinstance(value, list):
        for inner in value:
            _drop_display_names(inner)
