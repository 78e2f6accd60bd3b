"""Transform: pending ingest Parquet -> cleaned rows -> star schema Parquet in the processed bucket."""

import os

import boto3
import core
from pipeline_common.jsonlog import fields, get_logger

log = get_logger("etl_transform")
s3 = boto3.client("s3")


def handler(event, context):
    try:
        buckets = core.Buckets(s3, os.environ["INGEST_BUCKET"], os.environ["PROCESSED_BUCKET"])
        return core.transform(buckets, event["run_stamp"], event.get("loaded_through"))
    except Exception:
        log.exception("transform failed; nothing was loaded and the next run retries the same batch",
                      extra=fields(run_stamp=event.get("run_stamp")))
        raise
