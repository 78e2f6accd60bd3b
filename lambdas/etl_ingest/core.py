"""Delta ingestion from the totesys OLTP database: pure helpers for watermarks, keys and Parquet.

A run fetches, per table, the rows whose last_updated is past that table's watermark (everything on the
first run), writes them to `<table>/YYYY/MM/DD/HHMMSS.parquet`, and only then moves the watermark to the
newest last_updated it wrote. Keys sort by time, so "what is not yet loaded" is a listing after a key.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any, Callable, Iterable

TABLES = ("address", "counterparty", "currency", "department", "design", "payment", "payment_type",
          "purchase_order", "sales_order", "staff", "transaction")
KEY_SHAPE = re.compile(r"^(?P<table>[a-z_]+)/(?P<stamp>\d{4}/\d{2}/\d{2}/\d{6})\.parquet$")


def run_stamp(now: datetime) -> str:
    """The batch's time as it appears in keys: YYYY/MM/DD/HHMMSS (UTC)."""
    return now.strftime("%Y/%m/%d/%H%M%S")


def object_key(table: str, stamp: str) -> str:
    return f"{table}/{stamp}.parquet"


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


def pending_keys(keys: Iterable[str], loaded_through: str | None, cap: str) -> list[str]:
    """Stamp-shaped keys written after the last loaded batch and no later than this run (sorted)."""
    pending = []
    for key in keys:
        match = KEY_SHAPE.match(key)
        if match and (loaded_through is None or match["stamp"] > loaded_through) and match["stamp"] <= cap:
            pending.append(key)
    return sorted(pending)


def list_after(list_page: Callable[..., dict], bucket: str, table: str, after: str | None) -> list[str]:
    """Every key under `<table>/` after the stamp `after` (S3 lists in key order, so this is O(pending))."""
    keys, token = [], None
    while True:
        kwargs = {"Bucket": bucket, "Prefix": f"{table}/"}
        if after:
            kwargs["StartAfter"] = object_key(table, after)
        if token:
            kwargs["ContinuationToken"] = token
        page = list_page(**kwargs)
        keys.extend(item["Key"] for item in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return keys
        token = page["NextContinuationToken"]
