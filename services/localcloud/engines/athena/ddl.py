"""Athena DDL that changes only the Glue catalog: CREATE/DROP DATABASE, CREATE EXTERNAL TABLE, DROP TABLE,
DROP VIEW, ALTER TABLE ADD/DROP PARTITION, MSCK REPAIR TABLE.

Semantics as Athena documents them:
- DROP TABLE removes the table from the catalog; the data of an external table stays in S3
  (https://docs.aws.amazon.com/athena/latest/ug/drop-table.html). Every Hive table Athena makes is external.
- ALTER TABLE ADD PARTITION without LOCATION places the partition at `<table location>/key=value/`
  (https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-partition.html).
- MSCK REPAIR TABLE adds the Hive-style `key=value/` folders under the table's location that the catalog
  lacks; it does not remove partitions whose folders are gone
  (https://docs.aws.amazon.com/athena/latest/ug/msck-repair-table.html).
Hive DDL failures read as Athena reports them: `FAILED: SemanticException [Error 10001]: Table not found`.
"""

from __future__ import annotations

import re

from localcloud.engines.athena import catalog_writes as glue
from localcloud.engines.athena import s3_store
from localcloud.engines.athena.hive_tables import DefinitionError, table_input_from_ddl
from localcloud.engines.athena.statements import Statement

KINDS = {"create_database", "drop_database", "create_table", "drop_table", "drop_view", "add_partitions",
         "drop_partitions", "msck", "set_properties"}


class DdlError(Exception):
    """Carries Athena's whole reason text (`FAILED: ...` or `ERROR_NAME: ...`)."""


NAME = r'(?:`[^`]+`|"[^"]+"|[\w-]+)'
QUALIFIED = rf"{NAME}(?:\s*\.\s*{NAME}){{0,2}}"


def split_name(text: str, database: str) -> tuple[str, str]:
    parts = [p.strip().strip('`"').lower() for p in re.findall(NAME, text)]
    if len(parts) == 3 and parts[0] == "awsdatacatalog":
        parts = parts[1:]
    return (parts[0], parts[1]) if len(parts) == 2 else (database, parts[-1])


def _table_or_fail(account: str, region: str, database: str, table: str) -> dict:
    if not glue.database_exists(account, region, database):
        raise DdlError(f"FAILED: SemanticException [Error 10072]: Database does not exist: {database}")
    shape = glue.table_shape(account, region, database, table)
    if shape is None:
        raise DdlError(f"FAILED: SemanticException [Error 10001]: Table not found {database}.{table}")
    return shape


def _literal(text: str) -> str:
    text = text.strip()
    if text[:1] in ("'", '"') and text[-1:] == text[:1]:
        return text[1:-1].replace(text[0] * 2, text[0])
    return text


def run(statement: Statement, database: str, account: str, region: str) -> list[str]:
    """Apply the statement to the catalog; returns the lines Athena prints for it (mostly none)."""
    handler = {"create_database": _create_database, "drop_database": _drop_database,
               "create_table": _create_table, "drop_table": _drop_table, "drop_view": _drop_view,
               "add_partitions": _add_partitions, "drop_partitions": _drop_partitions, "msck": _msck,
               "set_properties": _set_properties}[statement.kind]
    return handler(statement, database, account, region)


def _create_database(statement: Statement, database: str, account: str, region: str) -> list[str]:
    text = " ".join(statement.sql.strip().rstrip(";").split())
    match = re.match(rf"(?is)CREATE (?:DATABASE|SCHEMA) (IF NOT EXISTS )?({NAME})(.*)$", text)
    if not match:
        raise DdlError("FAILED: ParseException line 1:0 cannot recognize input near 'CREATE' 'DATABASE'")
    name = match.group(2).strip('`"').lower()
    rest = match.group(3)
    if glue.database_exists(account, region, name):
        if match.group(1):
            return []
        raise DdlError(f"FAILED: AlreadyExistsException Database {name} already exists")
    database_input: dict = {"Name": name}
    comment = re.search(r"(?i)COMMENT\s+('(?:[^']|'')*')", rest)
    location = re.search(r"(?i)LOCATION\s+('(?:[^']|'')*')", rest)
    properties = re.search(r"(?i)WITH DBPROPERTIES\s*\((.*)\)", rest)
    if comment:
        database_input["Description"] = _literal(comment.group(1))
    if location:
        database_input["LocationUri"] = _literal(location.group(1))
    if properties:
        database_input["Parameters"] = {_literal(k): _literal(v) for k, v in
                                        re.findall(r"('(?:[^']|'')*')\s*=\s*('(?:[^']|'')*')", properties.group(1))}
    glue.create_database(account, region, database_input)
    return []


def _drop_database(statement: Statement, database: str, account: str, region: str) -> list[str]:
    text = " ".join(statement.sql.strip().rstrip(";").split())
    match = re.match(rf"(?is)DROP (?:DATABASE|SCHEMA) (IF EXISTS )?({NAME})( CASCADE| RESTRICT)?$", text)
    if not match:
        raise DdlError("FAILED: ParseException line 1:0 cannot recognize input near 'DROP' 'DATABASE'")
    name = match.group(2).strip('`"').lower()
    if not glue.database_exists(account, region, name):
        if match.group(1):
            return []
        raise DdlError(f"FAILED: SemanticException [Error 10072]: Database does not exist: {name}")
    if glue.table_names(account, region, name) and (match.group(3) or "").strip().upper() != "CASCADE":
        raise DdlError(f"FAILED: InvalidOperationException Database {name} is not empty. One or more tables "
                       "exist.")
    glue.drop_database(account, region, name)
    return []


def _create_table(statement: Statement, database: str, account: str, region: str) -> list[str]:
    if statement.tree is None:
        raise DdlError("FAILED: ParseException line 1:0 cannot recognize input near 'CREATE' 'TABLE'")
    try:
        named, table_input, if_not_exists = table_input_from_ddl(statement.tree)
    except DefinitionError as exc:
        raise DdlError(str(exc)) from None
    target = named or database
    if not glue.database_exists(account, region, target):
        raise DdlError(f"FAILED: SemanticException [Error 10072]: Database does not exist: {target}")
    if glue.table_shape(account, region, target, table_input["Name"]) is not None:
        if if_not_exists:
            return []
        raise DdlError(f"FAILED: AlreadyExistsException Table {target}.{table_input['Name']} already exists")
    location = table_input["StorageDescriptor"]["Location"]
    if not location.startswith("s3://"):
        raise DdlError("FAILED: SemanticException Athena requires LOCATION 's3://bucket/prefix/' for an "
                       "external table" if not location else
                       f"FAILED: SemanticException Invalid location '{location}': it must be an s3:// URI")
    glue.create_table(account, region, target, table_input)
    return []


def _drop(statement: Statement, database: str, account: str, region: str, view: bool) -> list[str]:
    text = " ".join(statement.sql.strip().rstrip(";").split())
    keyword = "VIEW" if view else "TABLE"
    match = re.match(rf"(?is)DROP {keyword} (IF EXISTS )?({QUALIFIED})$", text)
    if not match:
        raise DdlError(f"FAILED: ParseException line 1:0 cannot recognize input near 'DROP' '{keyword}'")
    target, name = split_name(match.group(2), database)
    shape = glue.table_shape(account, region, target, name)
    is_view = shape is not None and shape.get("TableType") == "VIRTUAL_VIEW"
    if shape is None or is_view != view:
        if match.group(1):
            return []
        if view:  # DROP VIEW is Trino's statement in Athena, with Trino's wording
            raise DdlError(f"TABLE_NOT_FOUND: line 1:1: View 'awsdatacatalog.{target}.{name}' does not exist")
        raise DdlError(f"FAILED: SemanticException [Error 10001]: Table not found {target}.{name}")
    glue.delete_table(account, region, target, name)  # external: the data stays in S3
    return []


def _drop_table(statement: Statement, database: str, account: str, region: str) -> list[str]:
    return _drop(statement, database, account, region, view=False)


def _drop_view(statement: Statement, database: str, account: str, region: str) -> list[str]:
    return _drop(statement, database, account, region, view=True)


_PARTITION_SPEC = re.compile(r"(?is)PARTITION\s*\(([^)]*)\)(?:\s*LOCATION\s*('(?:[^']|'')*'))?")


def _specs(text: str, keys: list[str], table: str) -> list[tuple[list[str], str | None]]:
    specs = []
    for body, location in _PARTITION_SPEC.findall(text):
        given = {}
        for pair in re.split(r",(?=(?:[^']*'[^']*')*[^']*$)", body):
            key, _, value = pair.partition("=")
            given[key.strip().strip('`"').lower()] = _literal(value)
        if sorted(given) != sorted(keys):
            raise DdlError(f"FAILED: ValidationException Partition spec {given} does not match the partition "
                           f"keys of {table}: {keys}")
        specs.append(([given[k] for k in keys], _literal(location) if location else None))
    return specs


def _partition_target(statement: Statement, database: str, account: str, region: str):
    match = re.match(rf"(?is)\s*ALTER TABLE ({QUALIFIED})\s+(ADD|DROP)\s+(IF (?:NOT )?EXISTS\s+)?(.*)$",
                     statement.sql.strip().rstrip(";"))
    if not match:
        raise DdlError("FAILED: ParseException line 1:0 cannot recognize input near 'ALTER' 'TABLE'")
    target, name = split_name(match.group(1), database)
    shape = _table_or_fail(account, region, target, name)
    keys = [k["Name"].lower() for k in shape.get("PartitionKeys") or []]
    if not keys:
        raise DdlError(f"FAILED: SemanticException table is not partitioned but partition spec exists: "
                       f"{target}.{name}")
    return target, name, shape, keys, bool(match.group(3)), _specs(match.group(4), keys, name)


def _add_partitions(statement: Statement, database: str, account: str, region: str) -> list[str]:
    target, name, shape, keys, if_not_exists, specs = _partition_target(statement, database, account, region)
    base = (shape.get("StorageDescriptor") or {}).get("Location", "").rstrip("/")
    existing = glue.partition_values(account, region, target, name)
    if not if_not_exists:
        for values, _ in specs:
            if tuple(values) in existing:
                raise DdlError("FAILED: AlreadyExistsException Partition already exists: "
                               + ", ".join(f"{k}={v}" for k, v in zip(keys, values)))
    for values, location in specs:
        default = base + "/" + "/".join(f"{k}={v}" for k, v in zip(keys, values)) + "/"
        glue.add_partition(account, region, target, name, values, location or default)
    return []


def _drop_partitions(statement: Statement, database: str, account: str, region: str) -> list[str]:
    target, name, _, keys, if_exists, specs = _partition_target(statement, database, account, region)
    existing = glue.partition_values(account, region, target, name)
    if not if_exists:
        for values, _ in specs:
            if tuple(values) not in existing:
                raise DdlError("FAILED: SemanticException [Error 10006]: Partition not found "
                               + ", ".join(f"{k}={v}" for k, v in zip(keys, values)))
    for values, _ in specs:
        glue.drop_partition(account, region, target, name, values)  # the partition's data stays in S3
    return []


def _msck(statement: Statement, database: str, account: str, region: str) -> list[str]:
    match = re.match(rf"(?is)\s*MSCK REPAIR TABLE ({QUALIFIED})\s*;?\s*$", statement.sql)
    if not match:
        raise DdlError("FAILED: ParseException line 1:0 cannot recognize input near 'MSCK' 'REPAIR'")
    target, name = split_name(match.group(1), database)
    shape = _table_or_fail(account, region, target, name)
    keys = [k["Name"].lower() for k in shape.get("PartitionKeys") or []]
    location = (shape.get("StorageDescriptor") or {}).get("Location", "").rstrip("/") + "/"
    if not keys:
        return []
    found: dict[tuple[str, ...], str] = {}
    for relative in s3_store.keys_under(account, location):
        folders = relative.split("/")[:-1]
        if len(folders) < len(keys) or any(f.startswith(("_", ".")) for f in folders):
            continue
        pairs = [f.partition("=") for f in folders[:len(keys)]]
        if [k.lower() for k, _, _ in pairs] != keys or not all(sep for _, sep, _ in pairs):
            continue
        values = tuple(v for _, _, v in pairs)
        found.setdefault(values, location + "/".join(folders[:len(keys)]) + "/")
    existing = glue.partition_values(account, region, target, name)
    missing = [values for values in sorted(found) if values not in existing]
    lines = []
    if missing:
        described = ["\t".join(f"{name}:" + "/".join(f"{k}={v}" for k, v in zip(keys, values))
                               for values in missing)]
        lines.append("Partitions not in metastore:\t" + described[0])
    for values in missing:
        glue.add_partition(account, region, target, name, list(values), found[values])
        lines.append(f"Repair: Added partition to metastore {name}:" +
                     "/".join(f"{k}={v}" for k, v in zip(keys, values)))
    return lines


def _set_properties(statement: Statement, database: str, account: str, region: str) -> list[str]:
    """ALTER TABLE t SET TBLPROPERTIES ('k' = 'v', ...): adds or replaces those table parameters
    (https://docs.aws.amazon.com/athena/latest/ug/alter-table-set-tblproperties.html); dbt-athena sets
    `classification` this way after every table it builds."""
    match = re.match(rf"(?is)\s*ALTER TABLE ({QUALIFIED})\s+SET TBLPROPERTIES\s*\((.*)\)\s*;?\s*$", statement.sql)
    if not match:
        raise DdlError("FAILED: ParseException line 1:0 cannot recognize input near 'ALTER' 'TABLE'")
    target, name = split_name(match.group(1), database)
    shape = _table_or_fail(account, region, target, name)
    pairs = re.findall(r"('(?:[^']|'')*'|\"[^\"]*\")\s*=\s*('(?:[^']|'')*'|\"[^\"]*\")", match.group(2))
    table_input = {key: shape[key] for key in ("Name", "Description", "Owner", "Retention", "StorageDescriptor",
                                               "PartitionKeys", "TableType", "Parameters", "ViewOriginalText",
                                               "ViewExpandedText") if shape.get(key) is not None}
    table_input["Parameters"] = {**(shape.get("Parameters") or {}), **{_literal(k): _literal(v) for k, v in pairs}}
    glue.update_table(account, region, target, table_input)
    return []
