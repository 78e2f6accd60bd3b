"""moto.kinesis: a shard's ends in O(1), reads that cost what they return, sequence numbers safe under threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("kinesis")

# One lock for every shard's appends: the models are pure Python under the GIL, so a finer lock buys nothing.
_appending = threading.Lock()


@PATCHES.replace("moto.kinesis.models:Shard.get_max_sequence_number", signature="(self)")
def get_max_sequence_number(self: Any) -> int:
    """moto finds a shard's newest sequence number by listing every key (O(records) per PutRecord, so
    10,000 puts took 6 s); its records are an insertion-ordered dict, so the ends are O(1)."""
    return next(reversed(self.records), 0) if self.records else 0


@PATCHES.replace("moto.kinesis.models:Shard.get_min_sequence_number", signature="(self)")
def get_min_sequence_number(self: Any) -> int:
    """The oldest sequence number, O(1) for the same reason."""
    return next(iter(self.records), 0) if self.records else 0


@PATCHES.wrap("moto.kinesis.models:Consumer.__init__",
              signature="(self, consumer_name, account_id, region_name, stream_arn)")
def consumer_arn_with_creation_time(original: Any, self: Any, *args: Any, **kwargs: Any) -> None:
    """A consumer's ARN ends in its creation time, epoch seconds (RegisterStreamConsumer: "arn:aws:kinesis:
    us-west-2:123456789012:stream/s/consumer/c:1526398823"; botocore's ConsumerARN pattern requires the
    ":<digits>"). moto left it off, so every call naming the consumer by its ARN broke the model's pattern."""
    original(self, *args, **kwargs)
    self.consumer_arn = f"{self.consumer_arn}:{int(self.created.timestamp())}"

@PATCHES.wrap("moto.kinesis.models:Shard.put_record", signature="(self, partition_key, data, explicit_hash_key)")
def put_record(original: Callable[..., str], self: Any, partition_key: str, data: str, explicit_hash_key: str) -> str:
    """moto numbers a record "newest + 1" and stores it in two steps ("this function is not safe for
    concurrency", its own comment): two PutRecord threads could draw the same number and one record would
    replace the other. Kinesis gives every record of a shard a unique, increasing sequence number
    (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html); appends are serialised."""
    with _appending:
        return original(self, partition_key, data, explicit_hash_key)


@PATCHES.wrap("moto.kinesis.models:Shard.get_records", signature="(self, last_sequence_id, limit)")
def get_records(original: Callable[..., Any], self: Any, last_sequence_id: str,
                limit: int | None) -> tuple[list[Any], int, int]:
    """moto walks the shard from its first record to the iterator's position on every GetRecords: a
    consumer at LATEST of a 100k-record shard paid for 100k records per empty read. moto numbers a shard's
    records 1, 2, 3, ... with none removed, so record n+1 is found by key; a shard whose numbers are not that
    run (none today) takes moto's walk."""
    records = self.records
    if not records or limit == 0:  # Limit 0 is refused before moto (the API's minimum is 1); moto's own walk
        return original(self, last_sequence_id, limit)
    first, last = next(iter(records)), next(reversed(records))
    if last - first + 1 != len(records):
        return original(self, last_sequence_id, limit)
    position = max(int(last_sequence_id), first - 1)
    end = last if not limit else min(last, position + limit)
    results = [records[number] for number in range(position + 1, end + 1)]
    if not results:
        return [], int(last_sequence_id), 0
    # moto's figure: the newest record's age minus the last returned one's
    behind = records[last].created_at - results[-1].created_at
    return results, end, int(behind * 1000)
