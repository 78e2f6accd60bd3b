"""moto.dynamodb: item writes one at a time per table, as DynamoDB applies them.

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


_ITEM_METHODS = {
    "put_item": "(self, table_name, item_attrs, expected=None, condition_expression=None, "
                "expression_attribute_names=None, expression_attribute_values=None, overwrite=False, "
                "return_values_on_condition_check_failure=None)",
    "update_item": "(self, table_name, key, update_expression, expression_attribute_names, "
                   "expression_attribute_values, attribute_updates=None, expected=None, condition_expression=None, "
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
