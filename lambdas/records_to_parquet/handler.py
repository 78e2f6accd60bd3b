"""Convert a CSV dropped under input/ to snappy Parquet under record_folders/<table>/ingest_date=.../."""

import json
import os
import time
import urllib.parse
from datetime import UTC, datetime

import boto3
import core

s3 = boto3.client("s3")


def log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


def ingest_date(record: dict):
    """The day of the upload, from the event itself, so a re-delivery lands in the same partition."""
    try:
        return datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")).date()
    except (KeyError, ValueError):
        return datetime.now(UTC).date()


def convert(record: dict) -> dict:
    started = time.monotonic()
    bucket = record["s3"]["bucket"]["name"]
    key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    obj = s3.get_object(Bucket=bucket, Key=key)
    body = obj["Body"].read()
    try:
        table = core.csv_to_table(body)
        target = core.parquet_key(key, obj["ETag"], ingest_date(record),
                                  os.environ.get("OUTPUT_PREFIX", core.OUTPUT_PREFIX))
    except core.ConversionError as exc:
        errors_key = f"quarantine/{key}.errors.json"
        s3.put_object(Bucket=bucket, Key=f"quarantine/{key}", Body=body, ContentType="text/csv")
        s3.put_object(Bucket=bucket, Key=errors_key, ContentType="application/json",
                      Body=json.dumps({"source": f"s3://{bucket}/{key}", "rejected_file": str(exc)}).encode())
        log("ERROR", "CSV rejected; moved to quarantine", key=key, reason=str(exc), quarantine=errors_key)
        return {"key": key, "status": "rejected", "reason": str(exc)}
    output_bucket = os.environ.get("OUTPUT_BUCKET") or bucket
    s3.put_object(Bucket=output_bucket, Key=target, Body=core.to_parquet(table),
                  ContentType="application/vnd.apache.parquet")
    result = {"key": key, "status": "converted", "parquet": f"s3://{output_bucket}/{target}",
              "rows": table.num_rows, "columns": table.column_names,
              "seconds": round(time.monotonic() - started, 3)}
    log("INFO", "csv converted", **result)
    return result


def handler(event, context):
    return {"objects": [convert(record) for record in event.get("Records", [])]}
