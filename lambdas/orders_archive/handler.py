"""Archive each Kinesis batch to S3 as JSON lines. An S3 failure fails the batch so the mapping retries it."""

import os

import boto3
from core import archive_key, to_jsonl
from pipeline_common.jsonlog import fields, get_logger

log = get_logger("orders_archive")
s3 = boto3.client("s3")
BUCKET = os.environ["ARCHIVE_BUCKET"]


def handler(event, context):
    records = event.get("Records", [])
    if not records:
        return {"archived": 0}
    key = archive_key(records)
    try:
        s3.put_object(Bucket=BUCKET, Key=key, Body=to_jsonl(records), ContentType="application/x-ndjson")
    except Exception:
        log.exception("archiving a batch failed; the stream mapping will retry it",
                      extra=fields(bucket=BUCKET, key=key, records=len(records)))
        raise
    log.info("archived batch", extra=fields(bucket=BUCKET, key=key, records=len(records)))
    return {"archived": len(records), "key": key}
