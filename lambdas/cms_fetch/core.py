"""Page through the CMS data API and land each page in the raw bucket; plain functions (S3 is an argument).

The CMS data API (`/data-api/v1/dataset/{id}/data?size=N&offset=M`) answers a JSON array per page and
has no total count, so the only end-of-data signal is a page shorter than the requested size.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date

from pipeline_common.jsonlog import fields

log = logging.getLogger("cms_fetch")

# The API caps `size` at 5000; asking for more silently returns 5000, which would look like "more pages".
MAX_PAGE_SIZE = 5000
RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """The API could not be read; carries the offset so a person knows how far the run got."""


def page_url(api_url: str, dataset_id: str, size: int, offset: int) -> str:
    return f"{api_url.rstrip('/')}/data-api/v1/dataset/{dataset_id}/data?size={size}&offset={offset}"


def iter_pages(get_page: Callable[[int, int], list], page_size: int, max_pages: int) -> Iterator[list]:
    """Yield pages until a short (or empty) page; `max_pages` bounds a run against an API that never ends."""
    if not 0 < page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {page_size}")
    offset = 0
    for _ in range(max_pages):
        page = get_page(offset, page_size)
        if not isinstance(page, list):
            raise FetchError(f"The API answered a {type(page).__name__} at offset {offset}, not a JSON array "
                             "of records; check API_URL and DATASET_ID.")
        if page:
            yield page
        if len(page) < page_size:
            return
        offset += page_size
    raise FetchError(f"Stopped after {max_pages} pages of {page_size} without reaching the end; raise "
                     "MAX_PAGES if the dataset really is that large.")


def http_get_json(url: str, timeout: float = 30.0, attempts: int = 4, backoff: float = 1.0,
                  sleep: Callable[[float], None] = time.sleep) -> object:
    """GET a JSON document, retrying throttling, server errors and network failures a bounded number of times."""
    last_error: Exception | None = None
    for attempt in range(attempts):
        try:
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code not in RETRYABLE_STATUS:
                raise FetchError(f"GET {url} failed with HTTP {exc.code}: {exc.read()[:300]!r}") from exc
            last_error = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last_error = exc
        if attempt + 1 < attempts:
            sleep(backoff * 2 ** attempt)
    raise FetchError(f"GET {url} failed {attempts} times; last error: {last_error}")


def object_key(prefix: str, year: str, ingest_date: date, page_number: int) -> str:
    """cms/year=2023/ingest_date=2026-01-31/page-00001.json: Hive-style partitions, one object per page.

    The key depends only on the year, the day and the page, so a second run on the same day overwrites
    the same objects (same bytes, same ETag) and the loader skips them.
    """
    return f"{prefix.rstrip('/')}/year={year}/ingest_date={ingest_date.isoformat()}/page-{page_number:05d}.json"


def page_body(records: list) -> bytes:
    """The page as received, serialised deterministically so identical data gives an identical ETag."""
    return json.dumps(records, separators=(",", ":"), sort_keys=True).encode()


def fetch_year(s3, get_page: Callable[[int, int], list], bucket: str, prefix: str, year: str, ingest_date: date,
               page_size: int, max_pages: int) -> dict:
    """Every page of the data year into `bucket`, one object per page; a summary of what was stored."""
    started = time.monotonic()
    keys, rows = [], 0
    for number, page in enumerate(iter_pages(get_page, page_size, max_pages), start=1):
        key = object_key(prefix, year, ingest_date, number)
        s3.put_object(Bucket=bucket, Key=key, Body=page_body(page), ContentType="application/json")
        keys.append(key)
        rows += len(page)
        log.info("page stored", extra=fields(page=number, rows=len(page), key=key))
    summary = {"bucket": bucket, "pages": len(keys), "rows": rows, "keys": keys,
               "seconds": round(time.monotonic() - started, 2)}
    log.info("fetch finished", extra=fields(**{k: v for k, v in summary.items() if k != "keys"}))
    return summary
