"""CSV bytes -> a snappy Parquet file and its place in the records bucket; plain functions (S3 is an argument).
pyarrow comes from the layer."""

from __future__ import annotations

import io
import logging
import posixpath
import time
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pipeline_common import quarantine
from pipeline_common.jsonlog import fields
from pipeline_common.names import identifier as _identifier

log = logging.getLogger("records_to_parquet")
OUTPUT_PREFIX = "record_folders"
GLUE_NAME_LENGTH = 128


class ConversionError(Exception):
    """The CSV cannot become a table; the message says what to fix in the file."""


def identifier(raw: str, fallback: str) -> str:
    """Glue and Athena fold names to lower case and accept [a-z0-9_]; make the name fit before they do."""
    return _identifier(raw, fallback, GLUE_NAME_LENGTH)


def table_name(key: str) -> str:
    stem = posixpath.splitext(posixpath.basename(key))[0]
    name = identifier(stem, "")
    if not name:
        raise ConversionError(f"The file name {posixpath.basename(key)!r} does not make a table name; "
                              "rename it to letters, digits and underscores.")
    return name


def parquet_key(source_key: str, etag: str, ingest_date: date, prefix: str = OUTPUT_PREFIX) -> str:
    """record_folders/<table>/ingest_date=YYYY-MM-DD/<file>-<etag>.parquet

    Named by the source's ETag, so a re-delivered event rewrites the same object instead of adding a
    duplicate file that Athena would read twice.
    """
    stem = identifier(posixpath.splitext(posixpath.basename(source_key))[0], "records")
    version = etag.strip('"')[:12]
    return (f"{prefix}/{table_name(source_key)}/ingest_date={ingest_date.isoformat()}/"
            f"{stem}-{version}.parquet")


def csv_to_table(body: bytes) -> pa.Table:
    if not body.strip():
        raise ConversionError("The file is empty; a header row and at least one row are required.")
    try:
        table = pacsv.read_csv(io.BytesIO(body), convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ConversionError(f"The CSV could not be parsed: {exc}") from None
    names = [identifier(name, f"column_{i + 1}") for i, name in enumerate(table.column_names)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConversionError(f"The header names {', '.join(duplicates)} more than once (after lower-casing).")
    table = table.rename_columns(names)
    # A column with no values at all is typed `null`, which Glue has no name for: make it a string column.
    for index, column in enumerate(table.schema):
        if pa.types.is_null(column.type):
            table = table.set_column(index, column.name, table.column(index).cast(pa.string()))
    return table


def to_parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def ingest_date(record: dict) -> date:
    """The day of the upload, from the event itself, so a re-delivery lands in the same partition."""
    try:
        return datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")).date()
    except (KeyError, ValueError):
        return datetime.now(UTC).date()


def convert(s3, bucket: str, key: str, record: dict, output_bucket: str | None = None,
            prefix: str = OUTPUT_PREFIX) -> dict:
    """One CSV object -> Parquet in `output_bucket` (default: the same bucket); a CSV that cannot become a
    table goes to quarantine whole, with the reason."""
    started = time.monotonic()
    obj = s3.get_object(Bucket=bucket, Key=key)
    body = obj["Body"].read()
    try:
        table = csv_to_table(body)
        target = parquet_key(key, obj["ETag"], ingest_date(record), prefix)
    except ConversionError as exc:
        kept = quarantine.put(s3, bucket, key, {"rejected_file": str(exc)}, body=body)
        log.error("CSV rejected; moved to quarantine",
                  extra=fields(key=key, reason=str(exc), quarantine=quarantine.errors_key(kept)))
        return {"key": key, "status": "rejected", "reason": str(exc)}
    output_bucket = output_bucket or bucket
    s3.put_object(Bucket=output_bucket, Key=target, Body=to_parquet(table),
                  ContentType="application/vnd.apache.parquet")
    result = {"key": key, "status": "converted", "parquet": f"s3://{output_bucket}/{target}",
              "rows": table.num_rows, "columns": table.column_names,
              "seconds": round(time.monotonic() - started, 3)}
    log.info("csv converted", extra=fields(**result))
    return result
