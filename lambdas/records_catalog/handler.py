"""Keep the Glue table of each record folder in step with its Parquet files (schema and partitions)."""

import io
import json
import os
import urllib.parse

import boto3
import core
import pyarrow.parquet as pq

s3 = boto3.client("s3")
glue = boto3.client("glue")


def log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


def read_columns(bucket: str, key: str) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return core.columns_from_schema(pq.read_schema(io.BytesIO(body)))


def upsert_table(database: str, table: str, location: str, columns: list[dict]) -> tuple[str, list[dict]]:
    """CreateTable the first time, UpdateTable when a file brings new or wider columns."""
    try:
        current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    except glue.exceptions.EntityNotFoundException:
        try:
            glue.create_table(DatabaseName=database, TableInput=core.table_input(table, location, columns))
            return "created", columns
        except glue.exceptions.AlreadyExistsException:  # another invocation created it just now
            current = glue.get_table(DatabaseName=database, Name=table)["Table"]
    merged = core.merge_columns(current["StorageDescriptor"].get("Columns", []), columns)
    if not core.needs_update(current, merged):
        return "unchanged", merged
    glue.update_table(DatabaseName=database, TableInput=core.table_input(table, location, merged))
    return "updated", merged


def add_partition(database: str, table: str, location: str, value: str, columns: list[dict]) -> str:
    answer = glue.batch_create_partition(DatabaseName=database, TableName=table,
                                         PartitionInputList=[core.partition_input(location, value, columns)])
    for error in answer.get("Errors", []):
        if error.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException":
            raise RuntimeError(f"BatchCreatePartition {table}/{value} failed: {error['ErrorDetail']}")
        return "exists"
    return "created"


def catalog(record: dict) -> dict:
    bucket = record["s3"]["bucket"]["name"]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    try:
        prefix, table, day = core.parse_key(key)
    except core.NotARecordFile as exc:
        log("WARN", "object ignored", key=key, reason=str(exc))
        return {"key": key, "status": "ignored"}
    database = os.environ["GLUE_DATABASE"]
    table_location = f"s3://{bucket}/{prefix}/{table}/"
    columns = read_columns(bucket, key)
    table_status, merged = upsert_table(database, table, table_location, columns)
    partition_status = add_partition(database, table, f"{table_location}{core.PARTITION_KEY}={day}/", day, merged)
    result = {"key": key, "database": database, "table": table, "table_status": table_status,
              "partition": day, "partition_status": partition_status, "columns": len(merged)}
    log("INFO", "catalog updated", **result)
    return result


def handler(event, context):
    return {"objects": [catalog(record) for record in event.get("Records", [])]}
