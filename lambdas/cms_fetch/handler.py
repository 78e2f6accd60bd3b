"""Fetch the CMS Part D prescriber data and land each API page in the raw bucket (cms/ prefix)."""

import os
from datetime import UTC, datetime

import boto3
import core
from pipeline_common.jsonlog import get_logger

log = get_logger("cms_fetch")
s3 = boto3.client("s3")


def handler(event, context):
    event = event or {}
    api_url = os.environ["API_URL"]
    dataset_id = event.get("dataset_id") or os.environ["DATASET_ID"]

    def get_page(offset: int, size: int) -> list:
        return core.http_get_json(core.page_url(api_url, dataset_id, size, offset))

    return core.fetch_year(
        s3, get_page, bucket=os.environ["RAW_BUCKET"], prefix=os.environ.get("RAW_PREFIX", "cms"),
        year=str(event.get("year") or os.environ["DATA_YEAR"]), ingest_date=datetime.now(UTC).date(),
        page_size=int(event.get("page_size") or os.environ.get("PAGE_SIZE", core.MAX_PAGE_SIZE)),
        max_pages=int(event.get("max_pages") or os.environ.get("MAX_PAGES", "2000")))
