"""S3's answer for a key that is not there depends on s3:ListBucket (S3 API Reference, GetObject / HeadObject /
GetObjectAttributes, "Permissions"): "If you have the s3:ListBucket permission on the bucket, Amazon S3 returns
an HTTP status code 404 Not Found error. If you don't have the s3:ListBucket permission, Amazon S3 returns an
HTTP status code 403 Access Denied error." (Not saying whether a key exists is the point: listing is what
reveals that.) So a read allowed by s3:GetObject of a missing key is refused here unless the caller may also
list the bucket.
"""

from __future__ import annotations

from collections.abc import Callable

from localcloud.iam.evaluator import Decision

READS = {"GetObject", "HeadObject", "GetObjectAttributes"}


def key_is_missing(object_arn: str, account: str) -> bool:
    from localcloud import moto_adapter

    bucket_name, _, key_name = object_arn.split(":::", 1)[1].partition("/")
    try:
        bucket = moto_adapter.s3_backends[account]["aws"].buckets.get(bucket_name)
    except KeyError:
        return False
    if bucket is None or not key_name:
        return False  # no bucket: S3 answers NoSuchBucket itself
    found = bucket.keys.get(key_name)
    return found is None or type(found).__name__ == "FakeDeleteMarker"


def refused_listing(operation: str, object_arn: str, account: str,
                    decide: Callable[[str, str], Decision]) -> str | None:
    """The bucket ARN whose s3:ListBucket the caller lacks, when this read of a missing key must be answered
    403 AccessDenied rather than 404 NoSuchKey; else None."""
    if operation not in READS or "/" not in object_arn.split(":::", 1)[-1] or not key_is_missing(object_arn, account):
        return None
    bucket_arn = object_arn.split("/", 1)[0]
    return None if decide("s3:ListBucket", bucket_arn).allowed else bucket_arn
