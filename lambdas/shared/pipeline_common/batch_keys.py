"""The ETL's batch stamps and the keys named by them: `<table>/YYYY/MM/DD/HHMMSS.parquet`.

Ingest, transform and load agree on these (each zip carries this package). A stamp names one run; keys sort
by stamp, so "what is not yet loaded" is a listing after the last loaded stamp, and a run's stamp must be
later than every earlier run's, or its objects would sort among batches already loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

STAMP_FORMAT = "%Y/%m/%d/%H%M%S"
KEY_SHAPE = re.compile(r"^(?P<table>[a-z_]+)/(?P<stamp>\d{4}/\d{2}/\d{2}/\d{6})\.parquet$")


def run_stamp(now: datetime) -> str:
    """A time as it appears in keys: YYYY/MM/DD/HHMMSS (UTC)."""
    return now.strftime(STAMP_FORMAT)


def next_run_stamp(now: datetime, previous: str | None) -> str:
    """This run's stamp: `now`, or one second after the previous run's stamp when that is not earlier (two
    runs within one second, or a host whose clock is behind). Unique and increasing without waiting."""
    if previous is None:
        return run_stamp(now)
    earliest = datetime.strptime(previous, STAMP_FORMAT).replace(tzinfo=now.tzinfo) + timedelta(seconds=1)
    return run_stamp(max(now, earliest))


def object_key(table: str, stamp: str) -> str:
    return f"{table}/{stamp}.parquet"


def stamp_of(key: str) -> str:
    match = KEY_SHAPE.match(key)
    if not match:
        raise ValueError(f"{key!r} is not shaped <table>/YYYY/MM/DD/HHMMSS.parquet")
    return match["stamp"]


def pending_keys(keys: Iterable[str], after: str | None, cap: str) -> list[str]:
    """Stamp-shaped keys with after < stamp <= cap, sorted (oldest first)."""
    pending = []
    for key in keys:
        match = KEY_SHAPE.match(key)
        if match and (after is None or match["stamp"] > after) and match["stamp"] <= cap:
            pending.append(key)
    return sorted(pending)


def list_after(list_page: Callable[..., dict], bucket: str, table: str, after: str | None) -> list[str]:
    """Every key under `<table>/` after the stamp `after` (S3 lists in key order, so this is O(pending))."""
    keys, token = [], None
    while True:
        kwargs = {"Bucket": bucket, "Prefix": f"{table}/"}
        if after:
            kwargs["StartAfter"] = object_key(table, after)
        if token:
            kwargs["ContinuationToken"] = token
        page = list_page(**kwargs)
        keys.extend(item["Key"] for item in page.get("Contents", []))
        if not page.get("IsTruncated"):
            return keys
        token = page["NextContinuationToken"]
