"""DynamoDB's fine-grained access condition keys (DynamoDB Developer Guide, "Using IAM policy conditions for
fine-grained access control"): dynamodb:LeadingKeys, the partition key values a request touches (a
multivalued key: policies test it with ForAllValues), dynamodb:Attributes, the attribute names it names,
and dynamodb:Select / dynamodb:ReturnValues as the request gives them. The partition key attribute is the
table's own (its key schema in the API state).
"""

from __future__ import annotations

import re
from typing import Any

_NAME = re.compile(r"#?[A-Za-z0-9_.-]+")


def _scalar(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        inner = next(iter(value.values()))
        return str(inner) if not isinstance(inner, (dict, list)) else None
    return None


def partition_key(table: str, region: str, account: str) -> str | None:
    from localcloud import moto_adapter

    try:
        found = moto_adapter.dynamodb_backends[account][region].tables.get(table)
    except KeyError:
        return None
    return getattr(found, "hash_key_attr", None) if found is not None else None


def _resolve(name: str, names: dict[str, str]) -> str:
    return names.get(name, name) if name.startswith("#") else name


def _query_leading_keys(params: dict[str, Any], key: str) -> list[str]:
    conditions = params.get("KeyConditions") or {}
    if key in conditions:
        return [v for v in (_scalar(x) for x in conditions[key].get("AttributeValueList") or []) if v is not None]
    expression = str(params.get("KeyConditionExpression") or "")
    names, values = params.get("ExpressionAttributeNames") or {}, params.get("ExpressionAttributeValues") or {}
    for left, right in re.findall(r"([#\w.-]+)\s*=\s*(:[\w-]+)", expression):
        if _resolve(left, names) == key and right in values:
            value = _scalar(values[right])
            return [value] if value is not None else []
    return []


def _projected(params: dict[str, Any]) -> list[str]:
    if params.get("AttributesToGet"):
        return [str(a) for a in params["AttributesToGet"]]
    names = params.get("ExpressionAttributeNames") or {}
    expression = str(params.get("ProjectionExpression") or "")
    return [_resolve(part.strip().split(".")[0].split("[")[0], names) for part in expression.split(",") if part.strip()]


def condition_keys(operation: str, params: dict[str, Any], table: str, region: str, account: str) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    for param, condition in (("Select", "dynamodb:select"), ("ReturnValues", "dynamodb:returnvalues")):
        if params.get(param):
            context[condition] = [str(params[param])]
    key = partition_key(table, region, account) if table else None
    leading: list[str] = []
    attributes: list[str] = []
    if key and operation in ("GetItem", "DeleteItem", "UpdateItem"):
        value = _scalar((params.get("Key") or {}).get(key))
        leading = [value] if value is not None else []
    elif key and operation == "PutItem":
        item = params.get("Item") or {}
        value = _scalar(item.get(key))
        leading = [value] if value is not None else []
        attributes = [str(name) for name in item]
    elif key and operation == "Query":
        leading = _query_leading_keys(params, key)
    elif key and operation == "BatchGetItem":
        leading = [v for k in ((params.get("RequestItems") or {}).get(table) or {}).get("Keys") or []
                   if (v := _scalar(k.get(key))) is not None]
    elif key and operation == "BatchWriteItem":
        for request in (params.get("RequestItems") or {}).get(table) or []:
            item = (request.get("PutRequest") or {}).get("Item") or (request.get("DeleteRequest") or {}).get("Key") or {}
            if (value := _scalar(item.get(key))) is not None:
                leading.append(value)
    if operation in ("GetItem", "Query", "Scan", "BatchGetItem") and not attributes:
        attributes = _projected(params)
    if leading:
        context["dynamodb:leadingkeys"] = leading
    if attributes:
        context["dynamodb:attributes"] = attributes
    return context
