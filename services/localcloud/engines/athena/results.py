"""What a query answers with: its rows and statistics, or an Athena-shaped error (a leaf module, so the
statement runners (utility.py, writes.py) and the engine can all use them without importing each other)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from localcloud.engines.athena import dialect

CATALOG = "awsdatacatalog"


class AthenaQueryError(Exception):
    """A query that fails the way Athena reports it: `ERROR_NAME: line L:C: message`."""

    def __init__(self, error_name: str, message: str, category: int = 2) -> None:
        super().__init__(f"{error_name}: {message}")
        self.error_name = error_name
        self.category = category  # AthenaError.ErrorCategory: 1 system, 2 user, 3 other


@dataclass
class QueryResult:
    columns: list[dict[str, Any]]
    rows: list[list[str | None]]
    data_scanned_bytes: int = 0
    tables: list[str] = field(default_factory=list)
    update_count: int | None = None  # rows a CTAS / INSERT INTO / UNLOAD wrote (GetQueryResults' UpdateCount)
    manifest_location: str | None = None  # Statistics.DataManifestLocation of a statement that wrote files
    manifest: list[str] = field(default_factory=list)  # the files it wrote, one s3:// URI a line


def at_position(sql: str, reference: str) -> str:
    line, column = dialect.position_of(sql, reference.replace(f"{CATALOG}.", "", 1)
                                       if reference.lower().startswith(CATALOG + ".") else reference)
    return f"{line}:{column}"


def translate_error(exc: Exception, sql: str, database: str) -> AthenaQueryError:
    """DuckDB's message -> the error name and text Athena (Trino) uses for the same mistake."""
    text = str(exc).split("\n", 1)[0]
    text = re.sub(r"^\w+ Error: ", "", text)
    kind = type(exc).__name__
    near = re.search(r'at or near "([^"]+)"', text)
    if kind == "ParserException":
        where = at_position(sql, near.group(1)) if near else "1:1"
        return AthenaQueryError("SYNTAX_ERROR", f"line {where}: {text}")
    column = re.search(r'Referenced column "([^"]+)" not found', text)
    if column:
        return AthenaQueryError("COLUMN_NOT_FOUND", f"line {at_position(sql, column.group(1))}: Column '{column.group(1)}' "
                                "cannot be resolved or requester is not authorized to access requested resources")
    table = re.search(r"Table with name (\S+) does not exist", text)
    if table:
        name = table.group(1).rstrip("!")
        return AthenaQueryError("TABLE_NOT_FOUND", f"line {at_position(sql, name)}: Table '{CATALOG}.{database}.{name}' "
                                "does not exist")
    function = re.search(r"Function with name (\w+) does not exist", text)
    if function:
        return AthenaQueryError("FUNCTION_NOT_FOUND", f"line {at_position(sql, function.group(1))}: Function "
                                f"'{function.group(1)}' not registered")
    if kind == "PermissionException":  # a path outside the mirrored tables (engine._confine)
        return AthenaQueryError("PERMISSION_DENIED", f"line 1:1: Access Denied: {text}. localcloud's Athena reads "
                                "only the S3 data of the Glue tables a query names; query a table instead.")
    if kind == "ConversionException":
        return AthenaQueryError("INVALID_CAST_ARGUMENT", text)
    if kind == "InterruptException":
        return AthenaQueryError("USER_CANCELLED", "Query was cancelled by the user", category=2)
    if kind in ("BinderException", "CatalogException"):
        return AthenaQueryError("SEMANTIC_ERROR" if kind == "BinderException" else "NOT_FOUND", text)
    return AthenaQueryError("GENERIC_INTERNAL_ERROR", text, category=1)
