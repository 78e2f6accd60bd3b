"""Stamp-shaped keys `<table>/YYYY/MM/DD/HHMMSS.parquet` (same as etl_ingest's: each zip holds only its folder)."""

from __future__ import annotations

import re
from typing import Callable, Iterable

KEY_SHAPE = re.compile(r"^(?P<table>[a-z_]+)/(?P<stamp>\d{4}/\d{2}/\d{2}/\d{6})\.parquet$")


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
