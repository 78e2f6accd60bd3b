"""Convert a CSV dropped under input/ to snappy Parquet under record_folders/<table>/ingest_date=.../."""

import os

import boto3
import core
from pipeline_common.jsonlog import get_logger
from pipeline_common.s3_events import objects

log = get_logger("records_to_parquet")
s3 = boto3.client("s3")


def handler(event, context):
    output_bucket = os.environ.get("OUTPUT_BUCKET")
    prefix = os.environ.get("OUTPUT_PREFIX", core.OUTPUT_PREFIX)
    return {"objects": [core.convert(s3, bucket, key, record, output_bucket, prefix)
                        for bucket, key, record in objects(event)]}
