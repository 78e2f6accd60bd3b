"""Transform: pending ingest Parquet -> cleaned rows -> star schema Parquet in the processed bucket; plain
functions (S3 is an argument). Cleaning, schemas and the star schema itself are in their own modules."""

from __future__ import annotations

import io
import logging
import time

import pyarrow as pa
import pyarrow.parquet as pq
from cleaning import clean_row, latest_by_id
from pipeline_common.batch_keys import list_after, object_key, pending_keys, stamp_of
from pipeline_common.jsonlog import fields
from schemas import SCHEMAS
from star import DIMENSION_SOURCES, build_dimensions, dim_date, fact_dates, fact_sales_order

log = logging.getLogger("etl_transform")
SNAPSHOT_PREFIX = "_sources"  # the current state of each lookup table, so a run reads one object, not history
SOURCE_TABLES = ("sales_order", "staff", "department", "address", "counterparty", "currency", "design")


class Buckets:
    """Where the transform reads (the ingest bucket) and writes (the processed bucket)."""

    def __init__(self, s3, ingest: str, processed: str):
        self.s3, self.ingest, self.processed = s3, ingest, processed

    def read_rows(self, bucket: str, key: str) -> list[dict]:
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            return pq.read_table(io.BytesIO(body)).to_pylist()
        except Exception as exc:
            raise ValueError(f"s3://{bucket}/{key} is not readable Parquet ({exc}); move it aside and re-run") from exc

    def write_parquet(self, key: str, table: pa.Table, metadata=None) -> None:
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="snappy")
        self.s3.put_object(Bucket=self.processed, Key=key, Body=buffer.getvalue(), Metadata=metadata or {})

    def pending(self, table: str, after: str | None, cap: str) -> list[str]:
        return pending_keys(list_after(self.s3.list_objects_v2, self.ingest, table, after), after, cap)


def current_state(buckets: Buckets, table: str, cap: str) -> dict[int, dict]:
    """The snapshot of `table` plus every ingest object written since it, newest version of each row."""
    snapshot_key, rows, through = f"{SNAPSHOT_PREFIX}/{table}.parquet", [], None
    try:
        head = buckets.s3.head_object(Bucket=buckets.processed, Key=snapshot_key)
        through = head["Metadata"].get("through")
        rows = buckets.read_rows(buckets.processed, snapshot_key)
    except buckets.s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
            raise
    new_keys = buckets.pending(table, through, cap)
    for key in new_keys:
        rows.extend(buckets.read_rows(buckets.ingest, key))
    current = latest_by_id(table, [clean_row(table, row) for row in rows])
    if new_keys:
        buckets.write_parquet(snapshot_key, pa.Table.from_pylist(list(current.values())),
                              {"through": stamp_of(new_keys[-1])})
    return current


def transform(buckets: Buckets, cap: str, loaded_through: str | None) -> dict:
    """The star-schema tables of every batch after `loaded_through` up to `cap` (the ingest run's stamp)."""
    started = time.monotonic()
    pending = {table: buckets.pending(table, loaded_through, cap) for table in SOURCE_TABLES}
    changed = {table for table, keys in pending.items() if keys}
    needed = {source for sources in DIMENSION_SOURCES.values() if changed & set(sources) for source in sources}
    outputs = build_dimensions({table: current_state(buckets, table, cap) for table in needed}, changed)
    orders = [clean_row("sales_order", row) for key in pending["sales_order"]
              for row in buckets.read_rows(buckets.ingest, key)]
    facts = fact_sales_order(orders)
    outputs["fact_sales_order"] = facts
    outputs["dim_date"] = dim_date(fact_dates(facts))
    tables, counts = {}, {}
    for name, rows in outputs.items():
        if rows:
            tables[name] = object_key(name, cap)
            counts[name] = len(rows)
            buckets.write_parquet(tables[name], pa.Table.from_pylist(rows, schema=SCHEMAS[name]))
    result = {"run_stamp": cap, "through": cap, "bucket": buckets.processed, "tables": tables, "rows": counts}
    log.info("transform finished", extra=fields(**result, changed_sources=sorted(changed),
                                                seconds=round(time.monotonic() - started, 3)))
    return result
