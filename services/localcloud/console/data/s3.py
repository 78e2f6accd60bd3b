"""Buckets -> objects (server-side pages of ListObjectsV2), previews of CSV/JSON/JSONL/Parquet rows, downloads."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

PREVIEW_ROWS = 50
PREVIEW_BYTES = 2 * 1024 * 1024  # a preview reads at most this much of a text object


def buckets(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    found = ctx.client("s3").list_buckets().get("Buckets", [])
    names = [{"name": b["Name"], "created": b.get("CreationDate")} for b in found
             if search.lower() in b["Name"].lower()]
    return {"items": names}


def objects(ctx: ConsoleContext, bucket: str, prefix: str = "", cursor: str = "", size: int = 100,
            delimiter: str = "/") -> dict[str, Any]:
    """One page: the folders (common prefixes) and objects under `prefix`; `next` continues the listing."""
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": size}
    if delimiter:
        params["Delimiter"] = delimiter
    if cursor:
        params["ContinuationToken"] = cursor
    try:
        page = ctx.client("s3").list_objects_v2(**params)
    except ctx.client("s3").exceptions.NoSuchBucket:
        raise HttpError(404, f"there is no bucket named {bucket!r}") from None
    return {"bucket": bucket, "prefix": prefix,
            "folders": [p["Prefix"] for p in page.get("CommonPrefixes", [])],
            "items": [{"key": o["Key"], "size": o["Size"], "modified": o["LastModified"], "etag": o.get("ETag")}
                      for o in page.get("Contents", [])],
            "next": page.get("NextContinuationToken") if page.get("IsTruncated") else None}


def _kind(key: str, content_type: str) -> str:
    lowered = key.lower()
    for suffix, kind in ((".parquet", "parquet"), (".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"),
                         (".json", "json"), (".txt", "text"), (".log", "text")):
        if lowered.endswith(suffix):
            return kind
    if "json" in content_type:
        return "json"
    if content_type.startswith("text/"):
        return "csv" if "csv" in content_type else "text"
    return "binary"


def preview(ctx: ConsoleContext, bucket: str, key: str) -> dict[str, Any]:
    s3 = ctx.client("s3")
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except Exception:
        raise HttpError(404, f"s3://{bucket}/{key} does not exist") from None
    kind = _kind(key, head.get("ContentType", ""))
    about = {"bucket": bucket, "key": key, "size": head["ContentLength"], "content_type": head.get("ContentType"),
             "modified": head.get("LastModified"), "metadata": head.get("Metadata", {}), "kind": kind}
    if kind == "parquet":
        import pyarrow.parquet as pq

        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        try:
            parquet = pq.ParquetFile(io.BytesIO(data))
        except Exception as exc:
            return {**about, "error": f"not readable as Parquet: {exc}"}
        table = parquet.read().slice(0, PREVIEW_ROWS)
        return {**about, "columns": table.column_names, "total_rows": parquet.metadata.num_rows,
                "schema": [{"name": f.name, "type": str(f.type)} for f in parquet.schema_arrow],
                "rows": [[row[c] for c in table.column_names] for row in table.to_pylist()]}
    if kind == "binary":
        return about
    body = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{PREVIEW_BYTES - 1}")["Body"].read()
    text = body.decode("utf-8", "replace")
    if kind == "csv":
        reader = list(csv.reader(io.StringIO(text)))
        header, rows = (reader[0], reader[1:PREVIEW_ROWS + 1]) if reader else ([], [])
        return {**about, "columns": header, "rows": rows, "total_rows": max(0, len(reader) - 1)
                if len(body) < PREVIEW_BYTES else None}
    if kind == "jsonl":
        records = [json.loads(line) for line in text.splitlines()[:PREVIEW_ROWS] if line.strip()]
        columns = sorted({k for r in records if isinstance(r, dict) for k in r})
        return {**about, "columns": columns,
                "rows": [[r.get(c) if isinstance(r, dict) else r for c in columns] for r in records]}
    if kind == "json":
        try:
            return {**about, "json": json.loads(text)}
        except ValueError:
            pass
    return {**about, "text": text[:20000]}


def download(ctx: ConsoleContext, bucket: str, key: str) -> tuple[bytes, str]:
    try:
        answer = ctx.client("s3").get_object(Bucket=bucket, Key=key)
    except Exception:
        raise HttpError(404, f"s3://{bucket}/{key} does not exist") from None
    return answer["Body"].read(), answer.get("ContentType") or "application/octet-stream"
