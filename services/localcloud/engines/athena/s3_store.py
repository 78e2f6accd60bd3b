"""The local cloud's S3, in-process (moto's backend): where Athena's writes land.

Every byte a statement writes goes through here into S3 objects - never to a host path the statement
names (issue 14's rule). DuckDB writes into a private staging directory first (writer.py); this module
uploads those files as objects.
"""

from __future__ import annotations


class MirrorError(Exception):
    """A table location that cannot be read (no such bucket, not an s3:// URI)."""


def split_s3(uri: str) -> tuple[str, str]:
    if not uri.startswith(("s3://", "s3a://", "s3n://")):
        raise MirrorError(f"location {uri!r} is not an s3:// URI")
    bucket, _, prefix = uri.split("://", 1)[1].partition("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return bucket, prefix


def _s3(account_id: str):
    from localcloud.moto_adapter import s3_backends

    return s3_backends[account_id]["global"]


def bucket_exists(account_id: str, bucket: str) -> bool:
    try:
        _s3(account_id).get_bucket(bucket)
        return True
    except Exception:  # noqa: BLE001  moto's MissingBucket
        return False


def put(account_id: str, uri: str, body: bytes) -> None:
    bucket, key = split_s3(uri)
    key = key.rstrip("/")
    if not bucket_exists(account_id, bucket):
        raise MirrorError(f"bucket {bucket!r} does not exist")
    _s3(account_id).put_object(bucket, key, body)


def keys_under(account_id: str, location: str) -> list[str]:
    """Names (relative to the location) of the non-empty objects under an s3:// prefix."""
    bucket_name, prefix = split_s3(location)
    try:
        bucket = _s3(account_id).get_bucket(bucket_name)
    except Exception:  # noqa: BLE001
        return []
    return [name[len(prefix):] for name, key in list(bucket.keys.items())
            if name.startswith(prefix) and getattr(key, "size", 0) > 0]


def is_empty(account_id: str, location: str) -> bool:
    return not keys_under(account_id, location)
