"""Names that databases and catalogs accept, made from file and column names people chose."""

from __future__ import annotations

import re

_NOT_IDENTIFIER = re.compile(r"[^0-9a-z_]+")


def identifier(raw: str, fallback: str, max_length: int) -> str:
    """A lower-case [a-z0-9_] identifier not starting with a digit ("Order Items" -> order_items, "2024" ->
    c_2024), at most max_length long (PostgreSQL: 63; Glue and Athena fold to lower case too)."""
    name = _NOT_IDENTIFIER.sub("_", raw.strip().lower()).strip("_")
    if not name:
        return fallback
    if name[0].isdigit():
        name = f"c_{name}"
    return name[:max_length]
