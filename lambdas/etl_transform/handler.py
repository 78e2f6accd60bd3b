"""Transform: pending ingest Parquet -> cleaned rows -> star schema Parquet in the processed bucket."""

import io
import os
import time

import boto3
import pyarrow as pa
import pyarrow.parquet as pq

from cleaning import clean_row, latest_by_id
from pipeline_common.jsonlog import fields, get_logger
from keys import list_after, object_key, pending_keys, stamp_of
from schemas import SCHEMAS
from star import DIMENSION_SOURCES, build_dimensions, dim_date, fact_dates, fact_sales_order

log = get_logger("etl_transform")
s3 = boto3.client("s3")
INGEST_BUCKET = os.environ["INGEST_BUCKET"]
PROCESSED_BUCKET = os.environ["PROCESSED_BUCKET"]
SNAPSHOT_PREFIX = "_sources"  # the current state of each lookup table, so a run reads one object, not history
SOURCE_TABLES = ("sales_order", "staff", "department", "address", "counterparty", "currency", "design")


def read_rows(bucket: str, key: str) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        return pq.read_table(io.BytesIO(body)).to_pylist()
    except Exception as exc:
        raise ValueError(f"s3://{bucket}/{key} is not readable Parquet ({exc}); move it aside and re-run") from exc


def current_state(table: str, cap: str) -> dict[int, dict]:
    """The snapshot of `table` plus every ingest object written since it, newest version of each row."""
    snapshot_key, rows, through = f"{SNAPSHOT_PREFIX}/{table}.parquet", [], None
    try:
        head = s3.head_object(Bucket=PROCESSED_BUCKET, Key=snapshot_key)
        through = head["Metadata"].get("through")
        rows = read_rows(PROCESSED_BUCKET, snapshot_key)
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
            raise
    new_keys = pending_keys(list_after(s3.list_objects_v2, INGEST_BUCKET, table, through), through, cap)
    for key in new_keys:
        rows.extend(read_rows(INGEST_BUCKET, key))
    current = latest_by_id(table, [clean_row(table, row) for row in rows])
    if new_keys:
        write_parquet(PROCESSED_BUCKET, snapshot_key, pa.Table.from_pylist(list(current.values())),
                      {"through": stamp_of(new_keys[-1])})
    return current


def write_parquet(bucket: str, key: str, table: pa.Table, metadata=None) -> None:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue(), Metadata=metadata or {})


def run(event):
    started = time.monotonic()
    cap, loaded_through = event["run_stamp"], event.get("loaded_through")
    pending = {table: pending_keys(list_after(s3.list_objects_v2, INGEST_BUCKET, table, loaded_through),
                                   loaded_through, cap) for table in SOURCE_TABLES}
    changed = {table for table, keys in pending.items() if keys}
    needed = {source for sources in DIMENSION_SOURCES.values() if changed & set(sources) for source in sources}
    outputs = build_dimensions({table: current_state(table, cap) for table in needed}, changed)
    orders = [clean_row("sales_order", row) for key in pending["sales_order"]
              for row in read_rows(INGEST_BUCKET, key)]
    facts = fact_sales_order(orders)
    outputs["fact_sales_order"] = facts
    outputs["dim_date"] = dim_date(fact_dates(facts))
    tables, counts = {}, {}
    for name, rows in outputs.items():
        if rows:
            tables[name] = object_key(name, cap)
            counts[name] = len(rows)
            write_parquet(PROCESSED_BUCKET, tables[name], pa.Table.from_pylist(rows, schema=SCHEMAS[name]))
    result = {"run_stamp": cap, "through": cap, "bucket": PROCESSED_BUCKET, "tables": tables, "rows": counts}
    log.info("transform finished", extra=fields(**result, changed_sources=sorted(changed),
                                                seconds=round(time.monotonic() - started, 3)))
    return result


def handler(event, context):
    try:
        return run(event)
    except Exception:
        log.exception("transform failed; nothing was loaded and the next run retries the same batch",
                      extra=fields(run_stamp=event.get("run_stamp")))
        raise
