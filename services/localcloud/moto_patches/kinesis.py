"""moto.kinesis: a shard's ends in O(1)."""

from __future__ import annotations

from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("kinesis")


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
