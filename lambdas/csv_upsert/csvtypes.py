"""Column types for CSV text: which Postgres type a column's values fit, and whether one value fits a type.

The checks here mirror what Postgres itself accepts for each cast, so a row that passes never makes the
server reject the whole batch; a row that fails is quarantined with the reason instead.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMPTZ, TEXT = (
    "bigint", "double precision", "boolean", "date", "timestamptz", "text")
# Narrowest first: a column whose values all fit several types gets the first of them.
CANDIDATES = (BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMPTZ)
# A column is typed if at least this share of its non-empty values fit; the rest become rejected rows.
# Below it the column is text, so a genuinely mixed column never loses rows.
TYPED_SHARE = 0.9

# "007" stays text: a leading zero means an identifier (zip code, account number), not a quantity.
_INT = re.compile(r"[+-]?(?:0|[1-9]\d*)")
_FLOAT = re.compile(r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?")
_BOOLEANS = {"true", "false", "t", "f", "yes", "no"}
INT64 = (-(2 ** 63), 2 ** 63 - 1)

# information_schema.columns.data_type -> the type whose check applies to new values.
SQL_TYPES = {
    "bigint": BIGINT, "integer": BIGINT, "smallint": BIGINT,
    "double precision": DOUBLE, "real": DOUBLE, "numeric": DOUBLE,
    "boolean": BOOLEAN, "date": DATE,
    "timestamp with time zone": TIMESTAMPTZ, "timestamp without time zone": TIMESTAMPTZ,
}


def fits(value: str, kind: str) -> bool:
    """True if Postgres would accept `value` cast to `kind`. Empty values are NULL and always fit."""
    if value == "" or kind == TEXT:
        return True
    if kind == BIGINT:
        return bool(_INT.fullmatch(value)) and INT64[0] <= int(value) <= INT64[1]
    if kind == DOUBLE:
        return bool(_FLOAT.fullmatch(value))
    if kind == BOOLEAN:
        return value.lower() in _BOOLEANS
    if kind == DATE:
        return bool(_DATE.fullmatch(value)) and _valid(date.fromisoformat, value)
    if kind == TIMESTAMPTZ:
        return bool(_TIMESTAMP.fullmatch(value)) and _valid(datetime.fromisoformat, value)
    raise ValueError(f"unknown column type {kind!r}")


def _valid(parse, value: str) -> bool:
    try:
        parse(value)
        return True
    except ValueError:
        return False


def infer(values: list[str]) -> str:
    """The type of a column from its values: the narrowest that all fit, else the one most fit if that
    share reaches TYPED_SHARE, else text."""
    return infer_counts(Counter(v for v in values if v != ""))


def infer_counts(counts: Counter) -> str:
    """infer() over {distinct non-empty value: occurrences}."""
    return infer_with_misfits(counts)[0]


def infer_with_misfits(counts: Counter) -> tuple[str, set[str]]:
    """(type, the distinct values it refuses) for a column given as {distinct non-empty value: occurrences}.

    Each distinct value is checked once per candidate, and a candidate is dropped as soon as its misfits
    pass the TYPED_SHARE allowance, so a text column costs little.
    """
    total = sum(counts.values())
    if not total:
        return TEXT, set()
    allowance = total * (1 - TYPED_SHARE) + 1e-9  # 1 - 0.9 is 0.0999...: keep exactly 10% allowed
    best, best_misfits, best_refused = TEXT, None, set()
    for kind in CANDIDATES:
        misfits, refused = 0, set()
        for value, occurrences in counts.items():
            if not fits(value, kind):
                misfits += occurrences
                refused.add(value)
                if misfits > allowance:
                    break
        if misfits == 0:
            return kind, set()
        if misfits <= allowance and (best_misfits is None or misfits < best_misfits):
            best, best_misfits, best_refused = kind, misfits, refused
    return best, best_refused


def misfits(counts: Counter, kind: str) -> set[str]:
    """The distinct values of a column that `kind` does not accept (their rows are rejected)."""
    if kind == TEXT:
        return set()
    return {value for value in counts if not fits(value, kind)}


def describe_misfit(column: str, value: str, kind: str) -> str:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return f"column {column!r}: {shown!r} is not a valid {kind}"
