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

Item writes one at a time per table, as DynamoDB applies them:

moto's item writes are read-modify-write in Python: UpdateItem reads the item, copies it, applies the
expression and stores the result; a condition expression is checked, then the item is put. Our server runs
each request on its own thread (server/http.py), so two UpdateItem `ADD hits :one` on one item could both
read 4 and both store 5: a lost write that DynamoDB never makes (every write to an item is atomic and
serialised, conditions included: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
WorkingWithItems.html#WorkingWithItems.AtomicCounters). Each write, and each read that copies an item out,
therefore runs under its table's lock. The models are pure Python under the GIL, so a lock per table costs no
parallelism there is to have; tests/services/test_concurrency.py proves the counter.
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
def update_item(original: Callable[..., Any], self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
    """Marks the update in progress: the bare-key put it makes for a new item records nothing (see add). Runs
    under its table's lock, as the other item writes do (table_lock, below: a read-modify-write)."""
    _update.depth = getattr(_update, "depth", 0) + 1
    try:
        with table_lock(self, table_name):
            return original(self, table_name, *args, **kwargs)
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


_tables_lock = threading.Lock()
_table_locks: dict[tuple[int, str], threading.RLock] = {}


def table_lock(backend: Any, table_name: str) -> threading.RLock:
    """The lock of one table of one backend (account and region); re-entrant, for a transaction that writes
    through the backend's own item methods."""
    key = (id(backend), table_name)
    lock = _table_locks.get(key)
    if lock is None:
        with _tables_lock:
            lock = _table_locks.setdefault(key, threading.RLock())
    return lock


def _one_at_a_time(original: Callable[..., Any], self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
    with table_lock(self, table_name):
        return original(self, table_name, *args, **kwargs)


_ITEM_METHODS = {  # update_item takes the lock in its own wrap (above)
    "put_item": "(self, table_name, item_attrs, expected=None, condition_expression=None, "
                "expression_attribute_names=None, expression_attribute_values=None, overwrite=False, "
                "return_values_on_condition_check_failure=None)",
    "delete_item": "(self, table_name, key, expression_attribute_names=None, expression_attribute_values=None, "
                   "condition_expression=None, return_values_on_condition_check_failure=None)",
    "get_item": "(self, table_name, keys, projection_expressions=None)",
}
for _method, _signature in _ITEM_METHODS.items():
    PATCHES.wrap(f"moto.dynamodb.models:DynamoDBBackend.{_method}", signature=_signature,
                 why=f"{_method} runs under its table's lock: DynamoDB serialises writes to an item "
                     "(UpdateItem ADD counters, condition checks) and a read sees a whole write")(_one_at_a_time)


@PATCHES.wrap("moto.dynamodb.models:DynamoDBBackend.transact_write_items", signature="(self, transact_items)")
def transact_write_items(original: Callable[..., Any], self: Any, transact_items: list[dict[str, Any]]) -> Any:
    """A transaction holds the locks of every table it writes (in name order, so two transactions cannot
    deadlock): DynamoDB applies it all or nothing, with no other write in between."""
    names = sorted({op["TableName"] for item in transact_items for op in item.values()
                    if isinstance(op, dict) and isinstance(op.get("TableName"), str)})
    locks = [table_lock(self, name) for name in names]
    for lock in locks:
        lock.acquire()
    try:
        return original(self, transact_items)
    finally:
        for lock in reversed(locks):
            lock.release()


# -- Query reads one partition, not the table
_querying = threading.local()


@PATCHES.wrap("moto.dynamodb.models.table:Table.query",
              signature="(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, "
                        "scan_index_forward, projection_expressions, index_name=None, consistent_read=False, "
                        "filter_expression=None, hash_key_conditions=None, range_key_conditions=None, **filter_kwargs)")
def query(original: Callable[..., Any], self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    """moto answers a Query on the table's own key by sorting every item of the table (`all_items`) and
    keeping the partition's: O(n log n) in the table's size for a Query that returns ten items (10 ms at 100k
    items). Its items are stored by partition (`Table.items[hash key]`), so a Query of the base table asks
    `all_items` for that partition only; an index Query (index_name) still reads every item, as moto keeps
    no per-index store."""
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name is not None or hash_key is None:
        return original(self, hash_key, *args, **kwargs)
    _querying.partition = (self, hash_key)
    try:
        return original(self, hash_key, *args, **kwargs)
    finally:
        _querying.partition = None


@PATCHES.wrap("moto.dynamodb.models.table:Table.all_items", signature="(self)")
def all_items(original: Callable[..., Any], self: Any) -> Any:
    """Inside a base-table Query (above): the queried partition's items, in moto's order."""
    partition = getattr(_querying, "partition", None)
    if partition is None or partition[0] is not self:
        return original(self)
    stored = self.items.get(partition[1])  # .get: Table.items is a defaultdict; reading must not add a key
    if stored is None:
        return []
    if self.range_key_attr:
        return sorted(stored.values(), key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)
    return [stored]
