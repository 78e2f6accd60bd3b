"""Fetch the CMS Part D prescriber data and land each API page in the raw bucket (cms/ prefix)."""

import json
import os
import time
from datetime import UTC, datetime

import boto3
import core

s3 = boto3.client("s3")


def log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


def handler(event, context):
    event = event or {}
    api_url = os.environ["API_URL"]
    dataset_id = event.get("dataset_id") or os.environ["DATASET_ID"]
    year = str(event.get("year") or os.environ["DATA_YEAR"])
    bucket = os.environ["RAW_BUCKET"]
    prefix = os.environ.get("RAW_PREFIX", "cms")
    page_size = int(event.get("page_size") or os.environ.get("PAGE_SIZE", core.MAX_PAGE_SIZE))
    max_pages = int(event.get("max_pages") or os.environ.get("MAX_PAGES", "2000"))
    ingest_date = datetime.now(UTC).date()
    started = time.monotonic()

    def get_page(offset: int, size: int) -> list:
        return core.http_get_json(core.page_url(api_url, dataset_id, size, offset))

    keys, rows = [], 0
    for number, page in enumerate(core.iter_pages(get_page, page_size, max_pages), start=1):
        key = core.object_key(prefix, year, ingest_date, number)
        s3.put_object(Bucket=bucket, Key=key, Body=core.page_body(page), ContentType="application/json")
        keys.append(key)
        rows += len(page)
        log("INFO", "page stored", page=number, rows=len(page), key=key)
    summary = {"bucket": bucket, "pages": len(keys), "rows": rows, "keys": keys,
               "seconds": round(time.monotonic() - started, 2)}
    log("INFO", "fetch finished", **{k: v for k, v in summary.items() if k != "keys"})
    return summary
