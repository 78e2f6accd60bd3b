"""Delta ingestion from the totesys OLTP database; plain functions (S3 and the connection are arguments).

A run fetches, per table, the rows whose last_updated is past that table's watermark (everything on the
first run), writes them to `<table>/<run stamp>.parquet`, and only then moves the watermark to the newest
last_updated it wrote. Keys sort by stamp, so "what is not yet loaded" is a listing after a key.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pipeline_common.batch_keys import list_after, next_run_stamp, object_key, pending_keys
from pipeline_common.jsonlog import fields

log = logging.getLogger("etl_ingest")
TABLES = ("address", "counterparty", "currency", "department", "design", "payment", "payment_type",
          "purchase_order", "sales_order", "staff", "transaction")
# Watermarks and the last run's stamp live beside the data (S3 is reachable from the VPC through its gateway
# endpoint; SSM is not).
STATE_PREFIX = "_state"


def changes_query(table: str, watermark: datetime | None) -> tuple[str, dict[str, Any]]:
    """The SELECT for one table; names come from TABLES only ("transaction" is a reserved word, so quoted)."""
    if table not in TABLES:
        raise ValueError(f"{table!r} is not a totesys table")
    if watermark is None:
        return f'SELECT * FROM "{table}" ORDER BY last_updated', {}
    return f'SELECT * FROM "{table}" WHERE last_updated > :watermark ORDER BY last_updated', {"watermark": watermark}


def parse_watermark(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def next_watermark(columns: list[str], rows: list[list[Any]], previous: datetime | None) -> datetime | None:
    """The newest last_updated written; never moves backwards."""
    if not rows:
        return previous
    index = columns.index("last_updated")
    newest = max(row[index] for row in rows)
    return newest if previous is None or newest > previous else previous


def to_parquet(columns: list[str], rows: list[list[Any]]) -> bytes:
    """Rows as fetched -> Parquet bytes; types are inferred here and made exact by the transform."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy")
    return buffer.getvalue()


class State:
    """The pipeline's small state objects under _state/ in the ingest bucket."""

    def __init__(self, s3, bucket: str):
        self.s3, self.bucket = s3, bucket

    def get(self, name: str) -> str | None:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=f"{STATE_PREFIX}/{name}")["Body"].read().decode()
        except self.s3.exceptions.NoSuchKey:
            return None

    def put(self, name: str, value: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=f"{STATE_PREFIX}/{name}", Body=value.encode(),
                           ContentType="text/plain")


def fetch_changes(connection, watermarks: dict[str, datetime | None]) -> dict[str, tuple[list[str], list]]:
    """{table: (columns, rows changed since its watermark)}, all read in one snapshot, so a sales order
    never arrives before its counterparty."""
    connection.run("START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    changes = {}
    for table in TABLES:
        sql, params = changes_query(table, watermarks[table])
        rows = connection.run(sql, **params)
        changes[table] = ([column["name"] for column in connection.columns], rows)
    connection.run("COMMIT")
    return changes


def ingest(s3, open_connection: Callable[[], Any], bucket: str, now: datetime) -> dict:
    """One run: changed rows -> Parquet per table under this run's stamp, then the watermarks; and how many
    objects wait for the transform (this run's and any an earlier failed run left)."""
    started = time.monotonic()
    state = State(s3, bucket)
    watermarks = {table: parse_watermark(state.get(f"watermark/{table}")) for table in TABLES}
    connection = open_connection()
    try:
        changes = fetch_changes(connection, watermarks)
    finally:
        connection.close()
    # Claimed before any object is written: a later run always gets a later stamp, even within the second.
    stamp = next_run_stamp(now, state.get("last_run_stamp"))
    state.put("last_run_stamp", stamp)
    rows_ingested = {}
    for table, (columns, rows) in changes.items():
        if not rows:
            continue
        key = object_key(table, stamp)
        s3.put_object(Bucket=bucket, Key=key, Body=to_parquet(columns, rows))
        # The watermark moves only after the object is stored: a failure before here re-fetches the rows.
        state.put(f"watermark/{table}", next_watermark(columns, rows, watermarks[table]).isoformat())
        rows_ingested[table] = len(rows)
        log.info("ingested table", extra=fields(table=table, rows=len(rows), key=key,
                                                full=watermarks[table] is None))
    loaded_through = state.get("loaded_through")
    pending = sum(len(pending_keys(list_after(s3.list_objects_v2, bucket, table, loaded_through),
                                   loaded_through, stamp)) for table in TABLES)
    result = {"run_stamp": stamp, "loaded_through": loaded_through, "rows_ingested": rows_ingested,
              "total_rows": sum(rows_ingested.values()), "pending_objects": pending}
    log.info("ingest finished", extra=fields(**result, seconds=round(time.monotonic() - started, 3)))
    return result
