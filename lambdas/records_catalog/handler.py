"""Keep the Glue table of each record folder in step with its Parquet files (schema and partitions)."""

import os

import boto3
import core
from pipeline_common.jsonlog import get_logger
from pipeline_common.s3_events import objects

log = get_logger("records_catalog")
s3 = boto3.client("s3")
glue = boto3.client("glue")


def handler(event, context):
    database = os.environ["GLUE_DATABASE"]
    return {"objects": [core.catalog(s3, glue, database, bucket, key) for bucket, key, _ in objects(event)]}
