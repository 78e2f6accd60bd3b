"""Table descriptions as AWS gives them (botocore dynamodb service-2.json, shape TableDescription, and
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html).

- TableId: every table has one (a UUID, fixed for the table's life); moto has none. Derived here from the
  table's ARN and creation time, so it is stable across reads and restarts and new for a re-created table.
- LocalSecondaryIndexes / GlobalSecondaryIndexes only when the table has some; BillingModeSummary only for
  on-demand tables (with LastUpdateToPayPerRequestDateTime once created).
- Index descriptions carry IndexArn, IndexSizeBytes, ItemCount and NumberOfDecreasesToday.
- WarmThroughput: on-demand tables and their indexes 12000 reads / 4000 writes per second, provisioned ones
  their provisioned capacity (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html);
  absent from CreateTable's answer unless the request set it (then UPDATING).
- CreateTable answers TableStatus CREATING, UpdateTable UPDATING ("UpdateTable is an asynchronous operation;
  while it's executing, the table status changes from ACTIVE to UPDATING", API_UpdateTable.html) and
  DeleteTable DELETING with only the members AWS returns for
  a table being deleted; the next DescribeTable says ACTIVE (tables are ready at once here).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any

from localcloud.server.requests import AwsRequest

TABLE_ID_NAMESPACE = uuid.UUID("7b0f3c6e-2d1a-4f5e-8c9b-1a2b3c4d5e6f")
ON_DEMAND_WARM = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000}
# What DeleteTable's TableDescription holds on AWS (the rest of the table is already gone).
DELETING_MEMBERS = ("TableName", "TableArn", "TableId", "TableStatus", "TableSizeBytes", "ItemCount",
                    "ProvisionedThroughput", "BillingModeSummary", "DeletionProtectionEnabled",
                    "StreamSpecification", "SSEDescription")


def table_id(description: dict[str, Any]) -> str:
    created = description.get("CreationDateTime")
    if isinstance(created, datetime):  # moto's own describe(): the wire says the same instant in epoch seconds,
        from localcloud.moto_adapter import unix_time  # to the millisecond

        created = math.floor(unix_time(created) * 1000) / 1000
    seed = f"{description.get('TableArn')}|{created}"
    return str(uuid.uuid5(TABLE_ID_NAMESPACE, seed))


def _on_demand(description: dict[str, Any]) -> bool:
    return (description.get("BillingModeSummary") or {}).get("BillingMode") == "PAY_PER_REQUEST"


def _warm(throughput: dict[str, Any] | None, on_demand: bool) -> dict[str, Any]:
    if on_demand or not throughput:
        return {**ON_DEMAND_WARM, "Status": "ACTIVE"}
    return {"ReadUnitsPerSecond": throughput.get("ReadCapacityUnits", 0),
            "WriteUnitsPerSecond": throughput.get("WriteCapacityUnits", 0), "Status": "ACTIVE"}


def _shape_index(index: dict[str, Any], table_arn: str, on_demand: bool, global_index: bool) -> None:
    index.setdefault("IndexArn", f"{table_arn}/index/{index.get('IndexName')}")
    index.setdefault("IndexSizeBytes", 0)
    index.setdefault("ItemCount", 0)
    if global_index:
        throughput = index.setdefault("ProvisionedThroughput", {})
        throughput.setdefault("NumberOfDecreasesToday", 0)
        if on_demand:
            throughput.setdefault("ReadCapacityUnits", 0)
            throughput.setdefault("WriteCapacityUnits", 0)


def shape_description(request: AwsRequest, description: dict[str, Any]) -> None:
    on_demand = _on_demand(description)
    description.setdefault("TableId", table_id(description))
    arn = description.get("TableArn", "")
    for key, global_index in (("LocalSecondaryIndexes", False), ("GlobalSecondaryIndexes", True)):
        if not description.get(key):
            description.pop(key, None)
            continue
        for index in description[key]:
            _shape_index(index, arn, on_demand, global_index)
    if not on_demand:
        description.pop("BillingModeSummary", None)
    elif description.get("CreationDateTime") is not None and request.operation != "CreateTable":
        description["BillingModeSummary"].setdefault("LastUpdateToPayPerRequestDateTime",
                                                     description["CreationDateTime"])
    throughput = description.get("ProvisionedThroughput")
    if isinstance(throughput, dict):
        throughput.setdefault("NumberOfDecreasesToday", 0)
    if request.operation == "CreateTable":
        description["TableStatus"] = "CREATING"
        asked = request.json().get("WarmThroughput")
        if asked:
            description["WarmThroughput"] = {**asked, "Status": "UPDATING"}
        else:
            description.pop("WarmThroughput", None)
        for index in description.get("GlobalSecondaryIndexes", ()):
            index.pop("WarmThroughput", None)
    elif request.operation == "DeleteTable":
        description["TableStatus"] = "DELETING"
        for key in [k for k in description if k not in DELETING_MEMBERS]:
            description.pop(key)
    else:
        if request.operation == "UpdateTable":  # applied asynchronously on AWS: ACTIVE again at the next read
            description["TableStatus"] = "UPDATING"
            if request.json().get("SSESpecification") and isinstance(description.get("SSEDescription"), dict):
                description["SSEDescription"]["Status"] = "UPDATING"
        if not description.get("WarmThroughput"):
            description["WarmThroughput"] = _warm(throughput, on_demand)
        for index in description.get("GlobalSecondaryIndexes", ()):
            if not index.get("WarmThroughput"):
                index["WarmThroughput"] = _warm(index.get("ProvisionedThroughput"), on_demand)


def shape_all(request: AwsRequest, shape, value: Any) -> None:
    """Shape every TableDescription in an output document, walking its output shape."""
    if shape is None or value is None:
        return
    if shape.type_name == "structure" and isinstance(value, dict):
        if shape.name == "TableDescription":
            shape_description(request, value)
            return
        for name, member in shape.members.items():
            shape_all(request, member, value.get(name))
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            shape_all(request, shape.member, item)
