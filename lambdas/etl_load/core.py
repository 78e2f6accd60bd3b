"""Load: processed star-schema Parquet -> warehouse Postgres in one transaction, then mark the batch loaded;
plain functions (S3 and the connection are arguments). The SQL is in warehouse.py."""

from __future__ import annotations

import io
import logging
import time

import pyarrow.parquet as pq
from pipeline_common.jsonlog import fields
from warehouse import DDL, LOAD_ORDER, merge_sql, to_csv

log = logging.getLogger("etl_load")
LOADED_THROUGH_KEY = "_state/loaded_through"  # in the ingest bucket, where ingest and transform read it


def read_table(s3, bucket: str, key: str):
    return pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))


def load(s3, connection, bucket: str, tables: dict[str, str]) -> dict[str, int]:
    """Every table of the batch merged into the warehouse in one transaction; {table: rows changed}."""
    changed = {}
    connection.run("BEGIN")
    try:
        for statement in filter(str.strip, DDL.split(";")):
            connection.run(statement)
        for name in LOAD_ORDER:
            if name not in tables:
                continue
            data = read_table(s3, bucket, tables[name])
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


def load_batch(s3, open_connection, ingest_bucket: str, batch: dict) -> dict:
    """The transform's output `batch` ({run_stamp, through, bucket, tables}) into the warehouse."""
    started = time.monotonic()
    connection = open_connection()
    try:
        changed = load(s3, connection, batch["bucket"], batch.get("tables", {}))
    finally:
        connection.close()
    # After the commit: if this put fails, the next run loads the same batch again, which changes nothing.
    s3.put_object(Bucket=ingest_bucket, Key=LOADED_THROUGH_KEY, Body=batch["through"].encode(),
                  ContentType="text/plain")
    result = {"run_stamp": batch["run_stamp"], "loaded_through": batch["through"], "rows_changed": changed}
    log.info("load finished", extra=fields(**result, seconds=round(time.monotonic() - started, 3)))
    return result
