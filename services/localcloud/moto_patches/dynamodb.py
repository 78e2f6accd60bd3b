"""moto.dynamodb: stream records as DynamoDB Streams writes them.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html and the Record /
StreamRecord shapes (botocore dynamodbstreams service-2.json):
- A write that changes no data writes no stream record ("If you perform a PutItem or UpdateItem operation
  that does not change any data in an item, DynamoDB Streams does not write a stream record for that
  operation."). moto wrote a MODIFY for every put, so a consumer saw changes that never happened.
- SizeBytes is "the size of the stream record, in bytes": the item-size rules (attribute name + value
  bytes; https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)
  over the record's Keys and the images it carries. moto put the length of its own JSON there.
- One record per write: an UpdateItem that creates an item records one INSERT (moto: a bare-key INSERT,
  then a second one), and a BatchWriteItem's writes are applied, and recorded, in the request's order.
- eventVersion is "1.1" on records DynamoDB writes today; awsRegion is the table's region (moto: "1.0" and
  always us-east-1).
"""

from __future__ import annotations

import threading
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


# UpdateItem of a new key: moto first puts the bare key (Table.put_item, one INSERT record), then records the
# finished item (a second INSERT). DynamoDB writes one record, with the item as the update left it.
_update = threading.local()


@PATCHES.wrap("moto.dynamodb.models:DynamoDBBackend.update_item",
              signature="(self, table_name, key, update_expression, expression_attribute_names, "
                        "expression_attribute_values, attribute_updates=None, expected=None, "
                        "condition_expression=None, return_values_on_condition_check_failure=None)")
def update_item(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    """Marks the update in progress: the bare-key put it makes for a new item records nothing (see add)."""
    _update.depth = getattr(_update, "depth", 0) + 1
    try:
        return original(self, *args, **kwargs)
    finally:
        _update.depth -= 1


@PATCHES.wrap("moto.dynamodb.models.table:Table.put_item",
              signature="(self, item_attrs, expected=None, condition_expression=None, "
                        "expression_attribute_names=None, expression_attribute_values=None, overwrite=False, "
                        "return_values_on_condition_check_failure=None)")
def put_item(original: Callable[..., Any], self: Any, *args: Any, **kwargs: Any) -> Any:
    """A put made by an update in progress is the update's first step, not a write of its own."""
    silenced = getattr(_update, "depth", 0) > 0
    _update.silenced = silenced
    try:
        return original(self, *args, **kwargs)
    finally:
        _update.silenced = False


@PATCHES.wrap("moto.dynamodb.models.table:StreamShard.add", signature="(self, old, new)")
def add(original: Callable[..., Any], self: Any, old: Any, new: Any) -> None:
    """No record for a write that changed nothing (an identical put or update), nor for nothing at all, nor for
    the bare-key put inside an update (the update records the item once, finished)."""
    if (old is None and new is None) or getattr(_update, "silenced", False):
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


@PATCHES.replace("moto.dynamodb.responses:DynamoHandler.batch_write_item", signature="(self)")
def batch_write_item(self: Any) -> Any:
    """The writes of a batch in the order the request lists them, as DynamoDB applies them (their stream
    records come in that order: a delete listed before a put is recorded first); moto applied every put, then
    every delete. Validation and answer as moto's."""
    from moto.dynamodb.responses import (
        ActionResult,
        MockValidationException,
        dynamo_json_dump,
        validate_put_has_empty_keys,
    )

    table_batches = self.body["RequestItems"]
    writes: list[tuple[str, str, Any]] = []
    for table_name, table_requests in table_batches.items():
        table = self.dynamodb_backend.get_table(table_name)
        for table_request in table_requests:
            request_type, request = next(iter(table_request.items()))
            if request_type == "PutRequest":
                validate_put_has_empty_keys(
                    request["Item"], table,
                    custom_error_msg="One or more parameter values are not valid. The AttributeValue for a key "
                                     "attribute cannot contain an empty string value. Key: {}")
                writes.append(("put", table_name, request["Item"]))
            elif request_type == "DeleteRequest":
                writes.append(("delete", table_name, request["Key"]))
    for kind in ("put", "delete"):
        dumped = [dynamo_json_dump(payload) for what, _, payload in writes if what == kind]
        if len(dumped) != len(set(dumped)):
            raise MockValidationException("Provided list of item keys contains duplicates")
    for kind, table_name, payload in writes:
        if kind == "put":
            self.dynamodb_backend.put_item(table_name, payload)
        else:
            self.dynamodb_backend.delete_item(table_name, payload)
    return ActionResult({
        "ConsumedCapacity": [{"TableName": name, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}
                             for name in table_batches],
        "ItemCollectionMetrics": {},
        "UnprocessedItems": {},
    })
