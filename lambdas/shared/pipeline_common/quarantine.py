"""What a pipeline could not load goes to quarantine/<original key>, with <that>.errors.json saying why."""

from __future__ import annotations

import json

PREFIX = "quarantine/"


def put(s3, bucket: str, key: str, details: dict, body: bytes | None = None, prefix: str = PREFIX,
        content_type: str = "text/csv") -> str:
    """Store `body` (what was not loaded; None stores only the reasons) and the reasons; returns the
    quarantine key. The errors document names its source, so it can be read on its own."""
    target = f"{prefix}{key}"
    if body is not None:
        s3.put_object(Bucket=bucket, Key=target, Body=body, ContentType=content_type)
    document = {"source": f"s3://{bucket}/{key}", **details}
    s3.put_object(Bucket=bucket, Key=errors_key(target), ContentType="application/json",
                  Body=json.dumps(document, indent=1, default=str).encode())
    return target


def errors_key(target: str) -> str:
    return f"{target}.errors.json"


def clear(s3, bucket: str, key: str, prefix: str = PREFIX) -> None:
    """A clean re-upload supersedes an earlier quarantine, which would otherwise report rows now loaded."""
    target = f"{prefix}{key}"
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": target}, {"Key": errors_key(target)}],
                                             "Quiet": True})
