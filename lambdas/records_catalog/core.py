"""Glue tables and partitions for the Parquet files under record_folders/; plain functions (S3 and Glue are
arguments)."""

from __future__ import annotations

import io
import logging
import re

import pyarrow as pa
import pyarrow.parquet as pq
from pipeline_common.jsonlog import fields

log = logging.getLogger("records_catalog")

PARQUET_STORAGE = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                  "Parameters": {"serialization.format": "1"}},
}
PARTITION_KEY = "ingest_date"
_KEY = re.compile(r"^(?P<prefix>.+?)/(?P<table>[a-z0-9_]+)/ingest_date=(?P<date>\d{4}-\d{2}-\d{2})/[^/]+\.parquet$")
_NUMERIC_RANK = {"tinyint": 0, "smallint": 1, "int": 2, "bigint": 3, "float": 4, "double": 5}


class NotARecordFile(ValueError):
    pass


def parse_key(key: str) -> tuple[str, str, str]:
    """record_folders/<table>/ingest_date=YYYY-MM-DD/x.parquet -> (prefix, table, date)."""
    match = _KEY.match(key)
    if not match:
        raise NotARecordFile(f"{key!r} is not <prefix>/<table>/ingest_date=YYYY-MM-DD/<file>.parquet")
    return match.group("prefix"), match.group("table"), match.group("date")


def glue_type(arrow_type: pa.DataType) -> str:
    """The Hive/Glue type Athena reads an Arrow column as."""
    t = pa.types
    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_int8(arrow_type):
        return "tinyint"
    if t.is_int16(arrow_type):
        return "smallint"
    if t.is_int32(arrow_type):
        return "int"
    if t.is_integer(arrow_type):
        return "bigint"
    if t.is_float32(arrow_type):
        return "float"
    if t.is_floating(arrow_type):
        return "double"
    if t.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if t.is_date(arrow_type):
        return "date"
    if t.is_timestamp(arrow_type):
        return "timestamp"
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type):
        return "binary"
    return "string"


def columns_from_schema(schema: pa.Schema) -> list[dict]:
    return [{"Name": field.name, "Type": glue_type(field.type)} for field in schema
            if field.name != PARTITION_KEY]


def wider(old: str, new: str) -> str:
    """One type both old and new files can be read as: numbers widen, anything else falls back to string."""
    if old == new:
        return old
    if old in _NUMERIC_RANK and new in _NUMERIC_RANK:
        return old if _NUMERIC_RANK[old] >= _NUMERIC_RANK[new] else new
    return "string"


def merge_columns(existing: list[dict], incoming: list[dict]) -> list[dict]:
    """Existing columns keep their order (older files still match by name); new ones are appended."""
    incoming_types = {c["Name"]: c["Type"] for c in incoming}
    merged = [{"Name": c["Name"], "Type": wider(c["Type"], incoming_types[c["Name"]])
               if c["Name"] in incoming_types else c["Type"]} for c in existing]
    known = {c["Name"] for c in existing}
    merged += [c for c in incoming if c["Name"] not in known]
    return merged


def table_input(table: str, location: str, columns: list[dict]) -> dict:
    return {
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE", "parquet.compression": "SNAPPY"},
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "string"}],
        "StorageDescriptor": {"Columns": columns, "Location": location, **PARQUET_STORAGE},
    }


def partition_input(location: str, value: str, columns: list[dict]) -> dict:
    return {"Values": [value],
            "StorageDescriptor": {"Columns": columns, "Location": location, **PARQUET_STORAGE}}


def needs_update(current: dict, wanted_columns: list[dict]) -> bool:
    have = [{"Name": c["Name"], "Type": c["Type"]} for c in current["StorageDescriptor"].get("Columns", [])]
    return have != wanted_columns


def read_columns(s3, bucket: str, key: str) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return columns_from_schema(pq.read_schema(io.BytesIO(body)))


def upsert_table(glue, database: str, table: str, location: str, columns: list[dict]) -> tuple[str, list[dict]]:
    """CreateTable the first time, UpdateTable when a file brings new or wider columns."""
    try:
        current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        try:
            glue.create_table(DatabaseName=database, TableInput=table_input(table, location, columns))
            return "created", columns
        except glue.exceptions.AlreadyExistsException:  # another invocation created it just now
            current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    merged = merge_columns(current["StorageDescriptor"].get("Columns", []), columns)
    if not needs_update(current, merged):
        return "unchanged", merged
    glue.update_table(DatabaseName=database, TableInput=table_input(table, location, merged))
    return "updated", merged


def add_partition(glue, database: str, table: str, location: str, value: str, columns: list[dict]) -> str:
    answer = glue.batch_create_partition(DatabaseName=database, TableName=table,
                                         PartitionInputList=[partition_input(location, value, columns)])
    for error in answer.get("Errors", []):
        if error.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException":
            raise RuntimeError(f"BatchCreatePartition {table}/{value} failed: {error['ErrorDetail']}")
        return "exists"
    return "created"


def catalog(s3, glue, database: str, bucket: str, key: str) -> dict:
    """The Glue table and partition of one Parquet object, created or widened as needed."""
    try:
        prefix, table, day = parse_key(key)
    except NotARecordFile as exc:
        log.warning("object ignored", extra=fields(key=key, reason=str(exc)))
        return {"key": key, "status": "ignored"}
    table_location = f"s3://{bucket}/{prefix}/{table}/"
    columns = read_columns(s3, bucket, key)
    table_status, merged = upsert_table(glue, database, table, table_location, columns)
    partition_status = add_partition(glue, database, table, f"{table_location}{PARTITION_KEY}={day}/", day, merged)
    result = {"key": key, "database": database, "table": table, "table_status": table_status,
              "partition": day, "partition_status": partition_status, "columns": len(merged)}
    log.info("catalog updated", extra=fields(**result))
    return result
