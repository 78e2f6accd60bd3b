"""Ingest: OLTP rows changed since each table's watermark -> Parquet in the ingest bucket."""

import os
import time
from datetime import datetime, timezone

import boto3

from core import (TABLES, changes_query, list_after, next_watermark, object_key, parse_watermark,
                  pending_keys, run_stamp, to_parquet)
from pipeline_common.secret_db import connect
from pipeline_common.jsonlog import fields, get_logger

log = get_logger("etl_ingest")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
BUCKET = os.environ["INGEST_BUCKET"]
SECRET_ARN = os.environ["OLTP_SECRET_ARN"]
# Watermarks live beside the data (S3 is reachable from the VPC through its gateway endpoint; SSM is not).
STATE_PREFIX = "_state"


def get_state(name: str):
    try:
        return s3.get_object(Bucket=BUCKET, Key=f"{STATE_PREFIX}/{name}")["Body"].read().decode()
    except s3.exceptions.NoSuchKey:
        return None


def put_state(name: str, value: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{STATE_PREFIX}/{name}", Body=value.encode(), ContentType="text/plain")


def key_exists(key: str) -> bool:
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        return True
    except s3.exceptions.ClientError:
        return False


def fresh_stamp(tables) -> str:
    """This run's stamp; if an earlier run used the same second, wait for the next one (keys must not clash)."""
    for _ in range(3):
        stamp = run_stamp(datetime.now(timezone.utc))
        if not any(key_exists(object_key(table, stamp)) for table in tables):
            return stamp
        time.sleep(1.0 - (time.time() % 1.0) + 0.01)
    raise RuntimeError("Could not find a free key second after 3 tries; is another ingest running at once?")


def fetch_all(watermarks):
    connection = connect(secrets, SECRET_ARN)
    try:
        # One snapshot for all tables, so a sales order never arrives before its counterparty.
        connection.run("START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        changes = {}
        for table in TABLES:
            sql, params = changes_query(table, watermarks[table])
            rows = connection.run(sql, **params)
            changes[table] = ([column["name"] for column in connection.columns], rows)
        connection.run("COMMIT")
        return changes
    finally:
        connection.close()


def run(event):
    started = time.monotonic()
    watermarks = {table: parse_watermark(get_state(f"watermark/{table}")) for table in TABLES}
    changes = fetch_all(watermarks)
    changed = [table for table, (_, rows) in changes.items() if rows]
    stamp = fresh_stamp(changed)
    rows_ingested = {}
    for table in changed:
        columns, rows = changes[table]
        key = object_key(table, stamp)
        s3.put_object(Bucket=BUCKET, Key=key, Body=to_parquet(columns, rows))
        # The watermark moves only after the object is stored: a failure before here re-fetches the rows.
        watermark = next_watermark(columns, rows, watermarks[table])
        put_state(f"watermark/{table}", watermark.isoformat())
        rows_ingested[table] = len(rows)
        log.info("ingested table", extra=fields(table=table, rows=len(rows), key=key,
                                                full=watermarks[table] is None))
    loaded_through = get_state("loaded_through")
    pending = sum(len(pending_keys(list_after(s3.list_objects_v2, BUCKET, table, loaded_through),
                                   loaded_through, stamp)) for table in TABLES)
    result = {"run_stamp": stamp, "loaded_through": loaded_through, "rows_ingested": rows_ingested,
              "total_rows": sum(rows_ingested.values()), "pending_objects": pending}
    log.info("ingest finished", extra=fields(**result, seconds=round(time.monotonic() - started, 3)))
    return result


def handler(event, context):
    try:
        return run(event)
    except Exception:
        log.exception("ingest failed; no watermark moved past data that was not written")
        raise
