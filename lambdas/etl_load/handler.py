"""Load: processed star-schema Parquet -> warehouse Postgres, in one transaction; then mark the batch loaded."""

import os

import boto3
import core
from pipeline_common.jsonlog import fields, get_logger
from pipeline_common.secret_db import connect

log = get_logger("etl_load")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")


def handler(event, context):
    try:
        return core.load_batch(s3, lambda: connect(secrets, os.environ["WAREHOUSE_SECRET_ARN"]),
                               os.environ["INGEST_BUCKET"], event)
    except Exception:
        log.exception("load failed; the warehouse transaction was rolled back and the batch stays pending",
                      extra=fields(run_stamp=event.get("run_stamp")))
        raise
