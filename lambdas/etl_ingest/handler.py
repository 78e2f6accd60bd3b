"""Ingest: OLTP rows changed since each table's watermark -> Parquet in the ingest bucket."""

import os
from datetime import UTC, datetime

import boto3
import core
from pipeline_common.jsonlog import get_logger
from pipeline_common.secret_db import connect

log = get_logger("etl_ingest")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")


def handler(event, context):
    try:
        return core.ingest(s3, lambda: connect(secrets, os.environ["OLTP_SECRET_ARN"]),
                           os.environ["INGEST_BUCKET"], datetime.now(UTC))
    except Exception:
        log.exception("ingest failed; no watermark moved past data that was not written")
        raise
