"""Kinesis batch -> one newline-delimited JSON object in the archive bucket, keyed by the batch's arrival time."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from typing import Any


def decode(record: dict[str, Any]) -> dict[str, Any]:
    """The order as sent; a record that is not JSON is archived as its raw base64 so nothing is lost."""
    kinesis = record["kinesis"]
    raw = base64.b64decode(kinesis["data"])
    try:
        value = json.loads(raw)
        if isinstance(value, dict):
            return value
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    return {"undecodable_base64": kinesis["data"], "sequenceNumber": kinesis["sequenceNumber"]}


def archive_key(records: list[dict[str, Any]]) -> str:
    """YYYY/MM/DD/HH/<arrival timestamp>-<first sequence number>.jsonl: a retried batch rewrites the same key."""
    first = records[0]["kinesis"]
    arrived = datetime.fromtimestamp(float(first["approximateArrivalTimestamp"]), tz=timezone.utc)
    return f"{arrived:%Y/%m/%d/%H}/{arrived:%Y%m%dT%H%M%S}{arrived.microsecond // 1000:03d}Z-{first['sequenceNumber']}.jsonl"


def to_jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(decode(record), separators=(",", ":")) + "\n" for record in records).encode()
