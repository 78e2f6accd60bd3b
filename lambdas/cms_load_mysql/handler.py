"""Load each CMS page object named in an S3 event into RDS MySQL, at most once per object version."""

import json
import os
import time
import urllib.parse

import boto3
import core
import pymysql

s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
BATCH_ROWS = 1000
_connection = None
_tables_ready = False


def log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


def connect():
    """One connection per execution environment, re-opened if the server dropped it between invokes."""
    global _connection
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
    return _connection


def ensure_tables(connection) -> None:
    global _tables_ready
    if not _tables_ready:
        with connection.cursor() as cursor:
            cursor.execute(core.CREATE_TABLE)
            cursor.execute(core.CREATE_LOADED_TABLE)
        connection.commit()
        _tables_ready = True


def load_object(connection, bucket: str, key: str) -> dict:
    started = time.monotonic()
    obj = s3.get_object(Bucket=bucket, Key=key)
    # The ETag of the bytes we read, not the one in the event: an overwrite between the two is a new version.
    etag = obj["ETag"].strip('"')
    records = json.loads(obj["Body"].read())
    year = core.year_from_key(key, os.environ.get("DATA_YEAR"))
    rows, rejected = core.rows_from_page(records if isinstance(records, list) else [records], year, key)
    with connection.cursor() as cursor:
        # Claim the object first: a concurrent or repeated delivery blocks here, then finds it claimed.
        cursor.execute(core.CLAIM_OBJECT, (core.object_id(bucket, key, etag), bucket, key, etag, len(rows)))
        if cursor.rowcount == 0:
            connection.rollback()
            log("INFO", "object already loaded; skipped", bucket=bucket, key=key, etag=etag)
            return {"key": key, "status": "skipped", "rows": 0}
        for start in range(0, len(rows), BATCH_ROWS):
            cursor.executemany(core.UPSERT, rows[start:start + BATCH_ROWS])
    connection.commit()
    if rejected:
        s3.put_object(Bucket=bucket, Key=f"quarantine/{key}.errors.json", ContentType="application/json",
                      Body=json.dumps({"source": f"s3://{bucket}/{key}", "etag": etag, "rejected": rejected},
                                      indent=1).encode())
        log("WARN", "records rejected", key=key, rejected=len(rejected), first=rejected[:3],
            quarantine=f"quarantine/{key}.errors.json")
    log("INFO", "object loaded", bucket=bucket, key=key, rows=len(rows), rejected=len(rejected),
        seconds=round(time.monotonic() - started, 3))
    return {"key": key, "status": "loaded", "rows": len(rows), "rejected": len(rejected)}


def handler(event, context):
    connection = connect()
    ensure_tables(connection)
    results = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        try:
            results.append(load_object(connection, bucket, key))
        except Exception as exc:
            connection.rollback()
            log("ERROR", "loading an object failed; the event will be retried", bucket=bucket, key=key,
                error=f"{type(exc).__name__}: {exc}")
            raise
    return {"objects": results}
