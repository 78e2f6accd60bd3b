"""Kinesis streams -> shards, and a tail of the newest records (GetRecords from a timestamp, read-only)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError


def streams(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("kinesis")
    names = client.list_streams().get("StreamNames", [])
    return {"items": [{"name": n} for n in names if search.lower() in n.lower()]}


def tail(ctx: ConsoleContext, name: str, seconds: int = 3600, size: int = 50) -> dict[str, Any]:
    client = ctx.client("kinesis")
    try:
        shards = client.list_shards(StreamName=name)["Shards"]
    except client.exceptions.ResourceNotFoundException:
        raise HttpError(404, f"there is no Kinesis stream named {name!r}") from None
    since = datetime.fromtimestamp(time.time() - seconds, tz=UTC)
    records = []
    for shard in shards:
        iterator = client.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                             ShardIteratorType="AT_TIMESTAMP", Timestamp=since)["ShardIterator"]
        for _ in range(20):  # bounded: a tail, not a dump
            page = client.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                data = record["Data"]
                records.append({"shard": shard["ShardId"], "sequence": record["SequenceNumber"],
                                "partition_key": record["PartitionKey"], "at": record.get("ApproximateArrivalTimestamp"),
                                "data": data.decode("utf-8", "replace") if isinstance(data, bytes)
                                else base64.b64decode(data).decode("utf-8", "replace")})
            iterator = page.get("NextShardIterator")
            if not page["Records"] or not iterator or page.get("MillisBehindLatest", 0) == 0:
                break
    records.sort(key=lambda r: str(r["at"]))
    return {"stream": name, "shards": [{"id": s["ShardId"], "hash_range": s.get("HashKeyRange")} for s in shards],
            "items": records[-size:][::-1]}
