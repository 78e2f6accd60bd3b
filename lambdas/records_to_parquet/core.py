"""CSV bytes -> a snappy Parquet file and its place in the records bucket; pyarrow comes from the layer."""

from __future__ import annotations

import io
import posixpath
import re
from datetime import date

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

OUTPUT_PREFIX = "record_folders"
_IDENTIFIER = re.compile(r"[^0-9a-z_]+")


class ConversionError(Exception):
    """The CSV cannot become a table; the message says what to fix in the file."""


def identifier(raw: str, fallback: str) -> str:
    """Glue and Athena fold names to lower case and accept [a-z0-9_]; make the name fit before they do."""
    name = _IDENTIFIER.sub("_", raw.strip().lower()).strip("_")[:128]
    if not name:
        return fallback
    return f"c_{name}" if name[0].isdigit() else name


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
