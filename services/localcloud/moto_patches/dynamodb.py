"""moto.dynamodb: stream records as DynamoDB Streams writes them.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html and the Record /
StreamRecord shapes (botocore dynamodbstreams service-2.json):
- A write that changes no data writes no stream record ("If you perform a PutItem or UpdateItem operation
  that does not change any data in an item, DynamoDB Streams does not write a stream record for that
  operation."). moto wrote a MODIFY for every put, so a consumer saw changes that never happened.
- SizeBytes is "the size of the stream record, in bytes": the item-size rules (attribute name + value
  bytes; https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)
  over the record's Keys and the images it carries. moto put the length of its own JSON there.
- eventVersion is "1.1" on records DynamoDB writes today; awsRegion is the table's region (moto: "1.0" and
  always us-east-1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("dynamodb")
EVENT_VERSION = "1.1"


def _attribute_bytes(attributes: dict[str, Any]) -> int:
    from moto.dynamodb.models.dynamo_type import DynamoType, bytesize

    return sum(bytesize(name) + DynamoType(value).size() for name, value in attributes.items())


def record_size(stream_record: dict[str, Any]) -> int:
    """A stream record's SizeBytes: its Keys plus the images it carries, sized as DynamoDB sizes items."""
    return sum(_attribute_bytes(stream_record.get(part) or {}) for part in ("Keys", "NewImage", "OldImage"))


@PATCHES.wrap("moto.dynamodb.models.table:StreamShard.add", signature="(self, old, new)")
def add(original: Callable[..., Any], self: Any, old: Any, new: Any) -> None:
    """No record for a write that changed nothing (an identical put or update), nor for nothing at all."""
    if old is None and new is None:
        return None
    if old is not None and new is not None and old.attrs == new.attrs:
        return None
    return original(self, old, new)


@PATCHES.wrap("moto.dynamodb.models.table:StreamRecord.__init__",
              signature="(self, table, stream_type, event_name, old, new, seq)")
def stream_record(original: Callable[..., Any], self: Any, table: Any, *args: Any) -> None:
    """AWS's eventVersion, the table's region and the record's real size."""
    original(self, table, *args)
    self.record["eventVersion"] = EVENT_VERSION
    self.record["awsRegion"] = getattr(table, "region_name", None) or self.record.get("awsRegion")
    self.record["dynamodb"]["SizeBytes"] = record_size(self.record["dynamodb"])


AWS_MANAGED_KEY_DESCRIPTION = "Default key that protects my DynamoDB data when no other key is defined"


@PATCHES.wrap("moto.dynamodb.models.table:Table._get_default_encryption_key", signature="(self, account_id, region)")
def default_encryption_key(original: Callable[..., Any], self: Any, account_id: str, region: str) -> str:
    """The key behind alias/aws/dynamodb is an AWS managed key (KeyManager AWS, AWS's description), which
    DynamoDB creates the first time a table is encrypted with KMS and no key is named
    (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-cmk); moto made a
    customer managed key of it."""
    arn = original(self, account_id, region)
    from localcloud.moto_adapter import kms_backends

    key = kms_backends[account_id][region].describe_key(arn)
    key.key_manager = "AWS"
    key.description = AWS_MANAGED_KEY_DESCRIPTION
    return arn
