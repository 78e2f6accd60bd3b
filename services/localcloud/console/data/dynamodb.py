"""DynamoDB tables -> items: server-side pages and lookups by partition key."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

_plain = TypeDeserializer()


def tables(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("dynamodb")
    names = [n for page in client.get_paginator("list_tables").paginate() for n in page.get("TableNames", [])]
    return {"items": [{"name": n} for n in names if search.lower() in n.lower()]}


def describe(ctx: ConsoleContext, table: str) -> dict[str, Any]:
    try:
        about = ctx.client("dynamodb").describe_table(TableName=table)["Table"]
    except ctx.client("dynamodb").exceptions.ResourceNotFoundException:
        raise HttpError(404, f"there is no DynamoDB table named {table!r}") from None
    return {"name": table, "key_schema": about["KeySchema"], "attributes": about.get("AttributeDefinitions", []),
            "item_count": about.get("ItemCount"), "stream": about.get("StreamSpecification"),
            "indexes": [i["IndexName"] for i in about.get("GlobalSecondaryIndexes", [])]}


def _rows(items: list[dict[str, Any]], key_names: list[str]) -> tuple[list[str], list[list[Any]]]:
    plain = [{k: _plain.deserialize(v) for k, v in item.items()} for item in items]
    others = sorted({k for item in plain for k in item} - set(key_names))
    columns = [*key_names, *others]
    return columns, [[item.get(c) for c in columns] for item in plain]


def _model(ctx: ConsoleContext, table: str) -> Any:
    from localcloud.moto_adapter import dynamodb_backends

    found = dynamodb_backends[ctx.settings.account_id][ctx.region].tables.get(table)
    if found is None:
        raise HttpError(404, f"there is no DynamoDB table named {table!r}")
    return found


def _all(model: Any) -> Iterator[Any]:
    for entry in list(model.items.values()):
        if isinstance(entry, dict):  # a table with a sort key: {range key: item}
            yield from list(entry.values())
        else:
            yield entry


def items(ctx: ConsoleContext, table: str, cursor: str = "", size: int = 50, key_value: str = "") -> dict[str, Any]:
    """A page of items read out of moto's table in process, or with `key_value` the items whose partition
    key equals it. Why not Scan/Query: moto sorts every item of the table for each call (1 s at 100,000
    items here), which no page can afford; the table's own dict is read from an offset instead. The offset
    is the cursor, so an item written while someone pages may shift one page's boundary."""
    from localcloud.moto_adapter import DynamoType

    model = _model(ctx, table)
    # From the model, not DescribeTable: every JSON-protocol call is a POST, and a POST makes the server
    # save the service's whole state again (seconds of pickling at 100,000 items) for a page view.
    about = {"name": table, "key_schema": model.schema, "attributes": model.attr, "item_count": len(model),
             "stream": getattr(model, "stream_specification", None), "indexes": []}
    key_names = [k["AttributeName"] for k in sorted(about["key_schema"], key=lambda k: k["KeyType"] != "HASH")]
    types = {a["AttributeName"]: a["AttributeType"] for a in about["attributes"]}
    if key_value:
        partition = DynamoType({types.get(key_names[0], "S"): key_value})
        entry = model.items.get(partition)
        found = [] if entry is None else list(entry.values()) if isinstance(entry, dict) else [entry]
        page, offset, more = found, 0, False
    else:
        offset = _offset(cursor)
        window = list(islice(_all(model), offset, offset + size + 1))
        page, more = window[:size], len(window) > size
    columns, rows = _rows([{k: v.to_json() for k, v in item.attrs.items()} for item in page], key_names)
    return {"table": about, "columns": columns, "rows": rows, "next": str(offset + size) if more else None}


def _offset(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        return max(0, int(cursor))
    except ValueError:
        raise HttpError(400, "the page cursor is not one this console made; go back to the first page") from None
