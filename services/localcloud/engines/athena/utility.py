"""SHOW and DESCRIBE, answered from the Glue catalog the way Athena lays them out (one column of text)."""

from __future__ import annotations

import fnmatch
import re

from localcloud.engines.athena import catalog
from localcloud.engines.athena.catalog import CatalogError
from localcloud.engines.athena.results import AthenaQueryError, QueryResult
from localcloud.engines.athena.types import athena_column


def _result(column: str, values: list[str]):
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


def _show_create(name: str, database: str, account_id: str, region: str):
    from localcloud.engines.athena import catalog_writes
    from localcloud.engines.athena.hive_tables import show_create_table
    from localcloud.engines.athena.views import view_sql

    schema, table = _split_name(name, database)
    shape = catalog_writes.table_shape(account_id, region, schema, table)
    if shape is None:
        catalog.table_source(account_id, region, schema, table)  # raises the CatalogError
    body = view_sql(shape)
    if body is not None:  # SHOW CREATE VIEW prints the view's statement
        return _result("createtab_stmt", [f'CREATE VIEW "{schema}"."{table}" AS', *body.splitlines()])
    return _result("createtab_stmt", show_create_table(schema, shape))


def run_utility(sql: str, database: str, account_id: str, region: str):
    text = " ".join(sql.strip().rstrip(";").split())
    try:
        match = re.fullmatch(r"(?i)show (?:databases|schemas)(?: like '([^']*)')?", text)
        if match:
            return _result("database_name", _like(catalog.databases(account_id, region), match.group(1)))
        match = re.fullmatch(r"(?i)show tables(?: (?:in|from) ([\w`\"]+))?(?: (?:like )?'([^']*)')?", text)
        if match:
            where = (match.group(1) or database).strip('`"').lower()
            return _result("tab_name", _like(catalog.tables(account_id, region, where), match.group(2)))
        match = re.fullmatch(r"(?i)show create (?:table|view) ([\w.`\"]+)", text)
        if match:
            return _show_create(match.group(1), database, account_id, region)
        match = re.fullmatch(r"(?i)show views(?: (?:in|from) ([\w`\"]+))?(?: (?:like )?'([^']*)')?", text)
        if match:
            where = (match.group(1) or database).strip('`"').lower()
            names = [n for n in catalog.tables(account_id, region, where)
                     if catalog.table_source(account_id, region, where, n).view_sql is not None]
            return _result("views", _like(names, match.group(2)))
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
                           "SHOW VIEWS, SHOW CREATE TABLE/VIEW, SHOW PARTITIONS, SHOW COLUMNS and DESCRIBE; this "
                           "form is not supported.")
