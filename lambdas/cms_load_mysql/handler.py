"""Load each CMS page object named in an S3 event into RDS MySQL, at most once per object version."""

import json
import os

import boto3
import core
import pymysql
from pipeline_common.jsonlog import fields, get_logger
from pipeline_common.s3_events import objects

log = get_logger("cms_load_mysql")
s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
_connection = None
_tables_ready = False


def connect():
    """One connection per execution environment, re-opened if the server dropped it between invokes."""
    global _connection, _tables_ready
    if _connection is not None:
        try:
            _connection.ping(reconnect=True)
            return _connection
        except pymysql.MySQLError:
            _connection = None
    secret = json.loads(secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])["SecretString"])
    _connection = pymysql.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                                  password=secret["password"], database=secret["dbname"], charset="utf8mb4",
                                  connect_timeout=10, autocommit=False)
    if not _tables_ready:
        core.ensure_tables(_connection)
        _tables_ready = True
    return _connection


def handler(event, context):
    connection = connect()
    results = []
    for bucket, key, _ in objects(event):
        try:
            results.append(core.load_object(s3, connection, bucket, key, os.environ.get("DATA_YEAR")))
        except Exception as exc:
            connection.rollback()
            log.error("loading an object failed; the event will be retried",
                      extra=fields(bucket=bucket, key=key, error=f"{type(exc).__name__}: {exc}"))
            raise
    return {"objects": results}
