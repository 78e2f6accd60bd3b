"""SHOW and DESCRIBE, answered from the Glue catalog the way Athena lays them out (one column of text)."""

from __future__ import annotations

import fnmatch
import re

from localcloud.engines.athena import catalog
from localcloud.engines.athena.catalog import CatalogError
from localcloud.engines.athena.types import athena_column


def _result(column: str, values: list[str]):
    from localcloud.engines.athena.engine import QueryResult

    return QueryResult([athena_column(column, "VARCHAR")], [[v] for v in values])


def _like(values: list[str], pattern: str | None) -> list[str]:
    if not pattern:
        return values
    # Hive's SHOW ... LIKE uses * as the wildcard and | for alternatives.
    options = [p.strip() for p in pattern.split("|")]
    return [v for v in values if any(fnmatch.fnmatch(v, option) for option in options)]


def _split_name(name: str, database: str) -> tuple[str, str]:
    parts = [p.strip('`"').lower() for p in name.split(".")]
    if parts and parts[0] == "awsdatacatalog" and len(parts) == 3:
        parts = parts[1:]
    return (parts[0], parts[1]) if len(parts) == 2 else (database, parts[0])


def run_utility(sql: str, database: str, account_id: str, region: str):
    from localcloud.engines.athena.engine import AthenaQueryError

    text = " ".join(sql.strip().rstrip(";").split())
    try:
        match = re.fullmatch(r"(?i)show (?:databases|schemas)(?: like '([^']*)')?", text)
        if match:
            return _result("database_name", _like(catalog.databases(account_id, region), match.group(1)))
        match = re.fullmatch(r"(?i)show tables(?: (?:in|from) ([\w`\"]+))?(?: (?:like )?'([^']*)')?", text)
        if match:
            where = (match.group(1) or database).strip('`"').lower()
            return _result("tab_name", _like(catalog.tables(account_id, region, where), match.group(2)))
        match = re.fullmatch(r"(?i)show partitions ([\w.`\"]+)", text)
        if match:
            source = catalog.table_source(account_id, region, *_split_name(match.group(1), database))
            return _result("partition", ["/".join(f"{k}={v}" for (k, _), v in zip(source.partition_keys, p.values))
                                         for p in source.partitions])
        match = re.fullmatch(r"(?i)(?:describe|desc|show columns (?:in|from)) ([\w.`\"]+)", text)
        if match:
            source = catalog.table_source(account_id, region, *_split_name(match.group(1), database))
            rows = [f"{name:<24}\t{kind:<24}\t" for name, kind in source.columns + source.partition_keys]
            if source.partition_keys and not text.lower().startswith("show"):
                rows += ["", "# Partition Information", "# col_name            \tdata_type           \tcomment",
                         *(f"{name:<24}\t{kind:<24}\t" for name, kind in source.partition_keys)]
            return _result("col_name" if text.lower().startswith("show") else "col_name\tdata_type\tcomment", rows)
    except CatalogError as missing:
        kind = "SCHEMA_NOT_FOUND" if missing.kind == "schema" else "TABLE_NOT_FOUND"
        noun = "Schema" if missing.kind == "schema" else "Table"
        raise AthenaQueryError(kind, f"line 1:1: {noun} '{missing.name}' does not exist") from None
    raise AthenaQueryError("NOT_SUPPORTED", "line 1:1: localcloud's Athena answers SHOW DATABASES, SHOW TABLES, "
                           "SHOW PARTITIONS, SHOW COLUMNS and DESCRIBE; this form is not supported.")
