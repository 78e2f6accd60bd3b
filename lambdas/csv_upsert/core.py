"""CSV upload -> validated rows, and one object's way through the load; plain functions (S3 and the database
load are arguments).

The file name is the table, the header the columns; rows upsert on `id`, else on `email`.
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import csvtypes
from pipeline_common import quarantine
from pipeline_common.jsonlog import fields
from pipeline_common.names import identifier

log = logging.getLogger("csv_upsert")

KEY_CANDIDATES = ("id", "email")
PG_NAME_LENGTH = 63  # PostgreSQL truncates longer identifiers


class FileRejected(Exception):
    """The whole file cannot be loaded (no key column, unreadable, ...); it goes to quarantine as is."""


@dataclass
class Plan:
    table: str
    columns: list[str]
    types: dict[str, str]
    key: str
    good: list[tuple[int, list[str]]] = field(default_factory=list)  # (line number, values)
    rejected: list[dict] = field(default_factory=list)               # {line, reason, values}
    written: int = 0                                                 # rows inserted or updated
    unique_keys: bool = True                                         # no key repeats within the file
    timings: dict = field(default_factory=dict)                      # seconds per stage, for the log


def table_name(key: str) -> str:
    stem = posixpath.splitext(posixpath.basename(key))[0]
    name = identifier(stem, "", PG_NAME_LENGTH)
    if not name or name.startswith("pg_"):
        raise FileRejected(f"The file name {posixpath.basename(key)!r} does not make a usable table name; "
                           "rename it to letters, digits and underscores (for example customers.csv).")
    return name


def read_rows(body: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, fields)]); blank lines are skipped, line numbers are the file's."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(f"The file is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("The file is empty; a header row naming the columns is required.") from None
    except csv.Error as exc:
        raise FileRejected(f"The header row is not valid CSV: {exc}") from None
    rows = []
    try:
        for fields in reader:
            if "".join(fields).strip():  # skip blank lines
                rows.append((reader.line_num, fields))
    except csv.Error as exc:  # e.g. an unterminated quote swallows the rest of the file
        raise FileRejected(f"Line {reader.line_num} is not valid CSV ({exc}); nothing after it can be "
                           "read reliably. Fix the quoting and upload again.") from None
    return header, rows


def columns_from_header(header: list[str]) -> list[str]:
    columns = [identifier(name, f"column_{i + 1}", PG_NAME_LENGTH) for i, name in enumerate(header)]
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise FileRejected(f"The header names the column(s) {', '.join(duplicates)} more than once "
                           "(after lower-casing); each column needs a distinct name.")
    return columns


def pick_key(columns: list[str]) -> str:
    for candidate in KEY_CANDIDATES:
        if candidate in columns:
            return candidate
    raise FileRejected("The header has neither an `id` nor an `email` column, so rows cannot be matched "
                       "to existing ones; add one of them.")


def plan_load(key: str, body: bytes, existing_types: dict[str, str] | None = None) -> Plan:
    """Validate a CSV against the table's column types (existing ones, else inferred from the file).

    Works per distinct value of each column, not per cell: 100,000 rows of mostly repeated values are
    checked in a fraction of a second, which keeps the load inside the benchmark's 5 s.
    """
    header, rows = read_rows(body)
    columns = columns_from_header(header)
    upsert_key = pick_key(columns)
    existing_types = existing_types or {}
    width = len(columns)
    stripped = [(line, [f.strip() for f in fields]) for line, fields in rows]
    well_formed = [values for _, values in stripped if len(values) == width]
    by_column = list(zip(*well_formed)) if well_formed else [()] * width
    types, rejected_values = {}, {}
    for index, column in enumerate(columns):
        counts = Counter(by_column[index])
        counts.pop("", None)  # empty is NULL, which every type accepts
        if column in existing_types:
            types[column] = existing_types[column]
            bad = csvtypes.misfits(counts, types[column])
        else:
            types[column], bad = csvtypes.infer_with_misfits(counts)
        if bad:
            rejected_values[index] = bad
    plan = Plan(table_name(key), columns, types, upsert_key)
    key_index = columns.index(upsert_key)
    for (line, values), (_, raw) in zip(stripped, rows):
        reason = row_problem(values, columns, types, key_index, rejected_values)
        if reason:
            plan.rejected.append({"line": line, "reason": reason, "values": raw})
        else:
            plan.good.append((line, values))
    # Compare keys as the database will ("+1" and "1" are the same bigint), so repeats are never missed.
    normalise = {csvtypes.BIGINT: int, csvtypes.DOUBLE: float}.get(types[upsert_key], str)
    plan.unique_keys = len({normalise(values[key_index]) for _, values in plan.good}) == len(plan.good)
    return plan


def row_problem(values: list[str], columns: list[str], types: dict[str, str], key_index: int,
                rejected_values: dict[int, set[str]]) -> str | None:
    """Why a row (stripped values) cannot load, or None. `rejected_values`: column index -> values its type
    refuses, as found by plan_load."""
    if len(values) != len(columns):
        return f"expected {len(columns)} columns, found {len(values)}"
    if not values[key_index]:
        return f"the key column {columns[key_index]!r} is empty"
    for index, bad in rejected_values.items():
        if values[index] in bad:
            column = columns[index]
            return csvtypes.describe_misfit(column, values[index], types[column])
    return None


def copy_text(rows: list[tuple[int, list[str]]]) -> str:
    """Rows in COPY text format: tab-separated, \\N for NULL (an empty field), specials escaped."""
    def field(value: str) -> str:
        if value == "":
            return "\\N"
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return "".join(f"{line}\t" + "\t".join(map(field, values)) + "\n" for line, values in rows)


def quarantine_csv(header: list[str], rejected: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for entry in rejected:
        writer.writerow(entry["values"])
    return out.getvalue().encode()


def load_object(s3, bucket: str, key: str, load_file: Callable[[str, bytes], Plan],
                quarantine_prefix: str = quarantine.PREFIX) -> dict:
    """One CSV object through `load_file` (plan + database); what cannot load goes to quarantine."""
    started = time.monotonic()
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        plan = load_file(key, body)
    except FileRejected as exc:
        target = quarantine.put(s3, bucket, key, {"rejected_file": str(exc)}, body=body, prefix=quarantine_prefix)
        log.error("file rejected; moved to quarantine", extra=fields(key=key, reason=str(exc), quarantine=target))
        return {"key": key, "status": "rejected", "reason": str(exc), "quarantine": target}
    result = {"key": key, "status": "loaded", "table": plan.table, "upsert_key": plan.key,
              "rows": len(plan.good), "written": plan.written, "rejected": len(plan.rejected),
              "seconds": round(time.monotonic() - started, 3), **plan.timings}
    if plan.rejected:
        header = read_rows(body)[0]
        result["quarantine"] = quarantine.put(s3, bucket, key, {"table": plan.table, "rejected": plan.rejected},
                                              body=quarantine_csv(header, plan.rejected), prefix=quarantine_prefix)
        log.warning("rows rejected", extra=fields(key=key, rejected=len(plan.rejected), first=plan.rejected[:3]))
    else:
        quarantine.clear(s3, bucket, key, prefix=quarantine_prefix)
    log.info("csv loaded", extra=fields(**result))
    return result
