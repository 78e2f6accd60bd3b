"""Upsert a CSV dropped under data/ into the Postgres table named after the file; bad rows to quarantine/."""

import json
import os
import time
import urllib.parse

import boto3
import core
import loader
import psycopg

s3 = boto3.client("s3")
secrets = boto3.client("secretsmanager")
_connection = None


def log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


def connect() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        secret = json.loads(secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])["SecretString"])
        _connection = psycopg.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                                      password=secret["password"], dbname=secret["dbname"], connect_timeout=10,
                                      autocommit=True, options="-c timezone=UTC")
    return _connection


def quarantine(bucket: str, key: str, body: bytes, errors: dict) -> str:
    """quarantine/<original key> holds what was not loaded, .errors.json says why, next to it."""
    target = f"{os.environ.get('QUARANTINE_PREFIX', 'quarantine/')}{key}"
    s3.put_object(Bucket=bucket, Key=target, Body=body, ContentType="text/csv")
    s3.put_object(Bucket=bucket, Key=f"{target}.errors.json", ContentType="application/json",
                  Body=json.dumps({"source": f"s3://{bucket}/{key}", **errors}, indent=1, default=str).encode())
    return target


def clear_quarantine(bucket: str, key: str) -> None:
    """A clean re-upload supersedes an earlier quarantine, which would otherwise report rows now loaded."""
    target = f"{os.environ.get('QUARANTINE_PREFIX', 'quarantine/')}{key}"
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": target}, {"Key": f"{target}.errors.json"}],
                                             "Quiet": True})


def load_object(bucket: str, key: str) -> dict:
    started = time.monotonic()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        plan = loader.load(connect(), key, body)
    except core.FileRejected as exc:
        target = quarantine(bucket, key, body, {"rejected_file": str(exc)})
        log("ERROR", "file rejected; moved to quarantine", key=key, reason=str(exc), quarantine=target)
        return {"key": key, "status": "rejected", "reason": str(exc), "quarantine": target}
    result = {"key": key, "status": "loaded", "table": plan.table, "upsert_key": plan.key,
              "rows": len(plan.good), "written": plan.written, "rejected": len(plan.rejected),
              "seconds": round(time.monotonic() - started, 3), **plan.timings}
    if plan.rejected:
        header = core.read_rows(body)[0]
        result["quarantine"] = quarantine(bucket, key, core.quarantine_csv(header, plan.rejected),
                                          {"table": plan.table, "rejected": plan.rejected})
        log("WARN", "rows rejected", key=key, rejected=len(plan.rejected), first=plan.rejected[:3])
    else:
        clear_quarantine(bucket, key)
    log("INFO", "csv loaded", **result)
    return result


def handler(event, context):
    results = []
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        try:
            results.append(load_object(bucket, key))
        except Exception as exc:
            log("ERROR", "loading a CSV failed; the event will be retried", bucket=bucket, key=key,
                error=f"{type(exc).__name__}: {exc}")
            raise
    return {"objects": results}
