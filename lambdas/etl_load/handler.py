"""Load: processed star-schema Parquet -> warehouse Postgres, in one transaction; then mark the batch loaded."""

import io
import os
import time

import boto3
import pyarrow.parquet as pq

from pipeline_common.secret_db import connect
from pipeline_common.jsonlog import fields, get_logger
from warehouse import DDL, LOAD_ORDER, merge_sql, to_csv

log = get_logger("etl_load")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
SECRET_ARN = os.environ["WAREHOUSE_SECRET_ARN"]
INGEST_BUCKET = os.environ["INGEST_BUCKET"]  # holds the pipeline's markers under _state/


def read_table(bucket: str, key: str):
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))


def load(connection, bucket: str, tables: dict[str, str]) -> dict[str, int]:
    changed = {}
    connection.run("BEGIN")
    try:
        for statement in filter(str.strip, DDL.split(";")):
            connection.run(statement)
        for name in LOAD_ORDER:
            if name not in tables:
                continue
            data = read_table(bucket, tables[name])
            columns = data.column_names
            staging = f"stage_{name}"
            # Same column types as the target, but no constraints (the serial key is the warehouse's to assign).
            connection.run(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS "
                           f"SELECT {', '.join(columns)} FROM {name} WITH NO DATA")
            connection.run(f"COPY {staging} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)",
                           stream=io.StringIO(to_csv(data.to_pylist(), columns)))
            connection.run(merge_sql(name, columns, staging))
            changed[name] = connection.row_count
        connection.run("COMMIT")
    except Exception:
        connection.run("ROLLBACK")
        raise
    return changed


def run(event):
    started = time.monotonic()
    connection = connect(secrets, SECRET_ARN)
    try:
        changed = load(connection, event["bucket"], event.get("tables", {}))
    finally:
        connection.close()
    # After the commit: if this put fails, the next run loads the same batch again, which changes nothing.
    s3.put_object(Bucket=INGEST_BUCKET, Key="_state/loaded_through", Body=event["through"].encode(),
                  ContentType="text/plain")
    result = {"run_stamp": event["run_stamp"], "loaded_through": event["through"], "rows_changed": changed}
    log.info("load finished", extra=fields(**result, seconds=round(time.monotonic() - started, 3)))
    return result


def handler(event, context):
    try:
        return run(event)
    except Exception:
        log.exception("load failed; the warehouse transaction was rolled back and the batch stays pending",
                      extra=fields(run_stamp=event.get("run_stamp")))
        raise
