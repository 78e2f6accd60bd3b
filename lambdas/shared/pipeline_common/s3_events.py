"""The objects an S3 event notification names."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator


def objects(event: dict) -> Iterator[tuple[str, str, dict]]:
    """(bucket, key, record) per record. Keys arrive URL-encoded with spaces as '+', as in a form post."""
    for record in (event or {}).get("Records", []):
        yield record["s3"]["bucket"]["name"], urllib.parse.unquote_plus(record["s3"]["object"]["key"]), record
