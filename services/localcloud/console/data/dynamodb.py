"""DynamoDB tables -> items: server-side pages (Scan with Limit / ExclusiveStartKey) and queries by key."""

from __future__ import annotations

import base64
import json
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

_plain = TypeDeserializer()
_typed = TypeSerializer()


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise HttpError(400, "the page cursor is not one this console made; go back to the first page") from None


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


def items(ctx: ConsoleContext, table: str, cursor: str = "", size: int = 50, key_value: str = "") -> dict[str, Any]:
    """A page of items; with `key_value`, the items whose partition key equals it (Query, not Scan)."""
    about = describe(ctx, table)
    key_names = [k["AttributeName"] for k in about["key_schema"]]
    types = {a["AttributeName"]: a["AttributeType"] for a in about["attributes"]}
    params: dict[str, Any] = {"TableName": table, "Limit": size}
    start = decode_cursor(cursor)
    if start:
        params["ExclusiveStartKey"] = start
    client = ctx.client("dynamodb")
    if key_value:
        partition = key_names[0]
        value: Any = key_value
        if types.get(partition) == "N":
            value = {"N": key_value}
        else:
            value = _typed.serialize(key_value)
        page = client.query(**params, KeyConditionExpression="#k = :v", ExpressionAttributeNames={"#k": partition},
                            ExpressionAttributeValues={":v": value})
    else:
        page = client.scan(**params)
    columns, rows = _rows(page.get("Items", []), key_names)
    return {"table": about, "columns": columns, "rows": rows, "next": encode_cursor(page.get("LastEvaluatedKey"))}
