"""Athena views as Glue stores them: a table of type VIRTUAL_VIEW whose ViewOriginalText is
`/* Presto View: <base64 JSON> */`, the JSON holding the view's SQL, schema and column types (Trino names),
and ViewExpandedText `/* Presto View */`; Parameters presto_view=true. Tools that read the catalog
(awswrangler, dbt-athena, the Glue console) recognise a view by exactly these fields.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

PREFIX, SUFFIX = "/* Presto View: ", " */"


def table_input(name: str, database: str, sql: str, columns: list[dict[str, Any]],
                glue_columns: list[tuple[str, str]]) -> dict[str, Any]:
    """`columns`: Athena ColumnInfo entries of the view's result; `glue_columns`: (name, Hive type)."""
    document = {"originalSql": sql, "catalog": "awsdatacatalog", "schema": database,
                "columns": [{"name": c["Name"], "type": c["Type"]} for c in columns],
                "owner": "localcloud", "runAsInvoker": False, "properties": {}}
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    return {"Name": name, "TableType": "VIRTUAL_VIEW", "Owner": "localcloud",
            "Parameters": {"presto_view": "true", "comment": "Presto View"},
            "ViewOriginalText": PREFIX + encoded + SUFFIX, "ViewExpandedText": "/* Presto View */",
            "PartitionKeys": [],
            "StorageDescriptor": {"Columns": [{"Name": n, "Type": t} for n, t in glue_columns],
                                  "Location": "", "SerdeInfo": {}, "Compressed": False,
                                  "NumberOfBuckets": 0, "StoredAsSubDirectories": False}}


def view_sql(shape: dict[str, Any]) -> str | None:
    """The SQL of a Glue view table (Athena's Presto view, or a plain Hive view's text); None if not a view."""
    if shape.get("TableType") != "VIRTUAL_VIEW":
        return None
    original = shape.get("ViewOriginalText") or ""
    match = re.fullmatch(r"/\* Presto View: (\S+) \*/", original.strip())
    if match:
        try:
            return json.loads(base64.b64decode(match.group(1)))["originalSql"]
        except (ValueError, KeyError):
            return None
    return shape.get("ViewExpandedText") or original or None
