"""Partition projection: a table with TBLPROPERTIES ('projection.enabled' = 'true') has its partitions
computed from its properties, not read from the catalog
(https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html).

Athena computes the candidate values (enum lists, integer and date ranges, injected values from the
query) and reads the locations `storage.location.template` gives, `<location>/key=value/` without one.
Here the objects under the location are listed once and matched against that template; a folder counts
as a partition when its values are ones the projection allows (an enum member, an integer in range, a
date in range in its format). Folders with no objects are empty partitions either way.
"""

from __future__ import annotations

import datetime
import re
from typing import Any


def enabled(parameters: dict[str, str]) -> bool:
    return parameters.get("projection.enabled", "").lower() == "true"


def _allowed(key: str, value: str, parameters: dict[str, str]) -> bool:
    kind = parameters.get(f"projection.{key}.type", "").lower()
    if kind == "enum":
        return value in [v.strip() for v in parameters.get(f"projection.{key}.values", "").split(",")]
    if kind == "integer":
        low, _, high = parameters.get(f"projection.{key}.range", "").partition(",")
        try:
            return int(low) <= int(value) <= int(high)
        except ValueError:
            return False
    if kind == "date":
        return _date_allowed(key, value, parameters)
    return kind == "injected"


def _java_to_strptime(pattern: str) -> str:
    for java, python in (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")):
        pattern = pattern.replace(java, python)
    return pattern


def _date_bound(text: str, fmt: str) -> datetime.datetime | None:
    text = text.strip()
    match = re.fullmatch(r"NOW(?:\s*([+-])\s*(\d+)\s*(YEARS?|MONTHS?|WEEKS?|DAYS?|HOURS?|MINUTES?))?", text, re.IGNORECASE)
    if match:
        now = datetime.datetime.now()
        if not match.group(1):
            return now
        amount = int(match.group(2)) * (1 if match.group(1) == "+" else -1)
        unit = match.group(3).upper().rstrip("S")
        days = {"YEAR": 365 * amount, "MONTH": 31 * amount, "WEEK": 7 * amount, "DAY": amount}.get(unit)
        return now + (datetime.timedelta(days=days) if days is not None else
                      datetime.timedelta(hours=amount) if unit == "HOUR" else datetime.timedelta(minutes=amount))
    try:
        return datetime.datetime.strptime(text, fmt)
    except ValueError:
        return None


def _date_allowed(key: str, value: str, parameters: dict[str, str]) -> bool:
    fmt = _java_to_strptime(parameters.get(f"projection.{key}.format", "yyyy-MM-dd"))
    try:
        parsed = datetime.datetime.strptime(value, fmt)
    except ValueError:
        return False
    low, _, high = parameters.get(f"projection.{key}.range", "").partition(",")
    start, end = _date_bound(low, fmt), _date_bound(high, fmt)
    return (start is None or parsed >= start) and (end is None or parsed <= end)


def partitions(location: str, keys: list[str], parameters: dict[str, str],
               object_names: Any) -> list[tuple[list[str], str]]:
    """(values, location) of every projected partition with objects under `location`.
    `object_names(prefix)` lists object names relative to an s3:// prefix."""
    base = location.rstrip("/") + "/"
    template = parameters.get("storage.location.template") or base + "/".join(f"{k}=${{{k}}}" for k in keys) + "/"
    fixed = template.split("${", 1)[0]
    fixed = fixed[: fixed.rfind("/") + 1] or base
    pattern = re.escape(template.rstrip("/"))
    for key in keys:
        pattern = pattern.replace(re.escape(f"${{{key}}}"), f"(?P<{key}>[^/]+)", 1)
    matcher = re.compile(pattern + "/")
    found: dict[tuple[str, ...], str] = {}
    for name in object_names(fixed):
        match = matcher.match(fixed + name)
        if not match:
            continue
        values = tuple(match.group(k) for k in keys)
        if all(_allowed(k, v, parameters) for k, v in zip(keys, values)):
            found.setdefault(values, match.group(0))
    return [(list(values), where) for values, where in sorted(found.items())]
