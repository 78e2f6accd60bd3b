"""Upsert a CSV dropped under data/ into the Postgres table named after the file; bad rows to quarantine/."""

import json
import os

import boto3
import core
import loader
import psycopg
from pipeline_common.jsonlog import fields, get_logger
from pipeline_common.s3_events import objects

log = get_logger("csv_upsert")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
_connection = None


def connect() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        secret = json.loads(secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])["SecretString"])
        _connection = psycopg.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                                      password=secret["password"], dbname=secret["dbname"], connect_timeout=10,
                                      autocommit=True, options="-c timezone=UTC")
    return _connection


def load_file(key: str, body: bytes) -> core.Plan:
    return loader.load(connect(), key, body)


def handler(event, context):
    prefix = os.environ.get("QUARANTINE_PREFIX", "quarantine/")
    results = []
    for bucket, key, _ in objects(event):
        try:
            results.append(core.load_object(s3, bucket, key, load_file, prefix))
        except Exception as exc:
            log.error("loading a CSV failed; the event will be retried",
                      extra=fields(bucket=bucket, key=key, error=f"{type(exc).__name__}: {exc}"))
            raise
    return {"objects": results}
