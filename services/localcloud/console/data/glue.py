"""Glue databases -> tables -> schema and partitions (paged)."""

from __future__ import annotations

from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError


def tables(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("glue")
    items = []
    for database in [d for page in client.get_paginator("get_databases").paginate() for d in page["DatabaseList"]]:
        for table in [t for page in client.get_paginator("get_tables").paginate(DatabaseName=database["Name"])
                      for t in page["TableList"]]:
            if search.lower() in f"{database['Name']}.{table['Name']}".lower():
                storage = table.get("StorageDescriptor", {})
                items.append({"database": database["Name"], "name": table["Name"], "location": storage.get("Location"),
                              "columns": len(storage.get("Columns", [])),
                              "partition_keys": [k["Name"] for k in table.get("PartitionKeys", [])]})
    return {"items": items}


def table(ctx: ConsoleContext, database: str, name: str, cursor: str = "", size: int = 100) -> dict[str, Any]:
    client = ctx.client("glue")
    try:
        about = client.get_table(DatabaseName=database, Name=name)["Table"]
    except client.exceptions.EntityNotFoundException:
        raise HttpError(404, f"there is no Glue table {database}.{name}") from None
    params: dict[str, Any] = {"DatabaseName": database, "TableName": name, "MaxResults": size}
    if cursor:
        params["NextToken"] = cursor
    page = client.get_partitions(**params)
    storage = about.get("StorageDescriptor", {})
    return {"database": database, "name": name, "location": storage.get("Location"),
            "format": (storage.get("SerdeInfo") or {}).get("SerializationLibrary") or storage.get("InputFormat"),
            "columns": storage.get("Columns", []), "partition_keys": about.get("PartitionKeys", []),
            "parameters": about.get("Parameters", {}),
            "partitions": [{"values": p["Values"], "location": p.get("StorageDescriptor", {}).get("Location")}
                           for p in page.get("Partitions", [])], "next": page.get("NextToken")}
