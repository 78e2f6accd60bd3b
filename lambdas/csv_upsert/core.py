"""CSV upload -> validated rows and the SQL that upserts them; plain functions, no I/O.

The file name is the table, the header the columns; rows upsert on `id`, else on `email`.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
from dataclasses import dataclass, field

import csvtypes

KEY_CANDIDATES = ("id", "email")
_IDENTIFIER = re.compile(r"[^0-9a-z_]+")


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


def identifier(raw: str, fallback: str) -> str:
    """A safe lower-case SQL identifier from a file or header name ("Order Items" -> order_items)."""
    name = _IDENTIFIER.sub("_", raw.strip().lower()).strip("_")[:63]
    if not name:
        return fallback
    if name[0].isdigit():
        name = f"c_{name}"[:63]
    return name


def table_name(key: str) -> str:
    stem = posixpath.splitext(posixpath.basename(key))[0]
    name = identifier(stem, "")
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
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. an unterminated quote swallows the rest of the file
            raise FileRejected(f"Line {reader.line_num} is not valid CSV ({exc}); nothing after it can be "
                               "read reliably. Fix the quoting and upload again.") from None
        if fields and any(f.strip() for f in fields):
            rows.append((reader.line_num, fields))
    return header, rows


def columns_from_header(header: list[str]) -> list[str]:
    columns = [identifier(name, f"column_{i + 1}") for i, name in enumerate(header)]
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
    """Validate a CSV against the table's column types (existing ones, else inferred from the file)."""
    header, rows = read_rows(body)
    columns = columns_from_header(header)
    upsert_key = pick_key(columns)
    existing_types = existing_types or {}
    width = len(columns)
    well_formed = [(line, fields) for line, fields in rows if len(fields) == width]
    types = {}
    for index, column in enumerate(columns):
        if column in existing_types:
            types[column] = existing_types[column]
        else:
            types[column] = csvtypes.infer([fields[index].strip() for _, fields in well_formed])
    plan = Plan(table_name(key), columns, types, upsert_key)
    key_index = columns.index(upsert_key)
    for line, fields in rows:
        reason = row_problem(fields, columns, types, key_index)
        if reason:
            plan.rejected.append({"line": line, "reason": reason, "values": fields})
        else:
            plan.good.append((line, [f.strip() for f in fields]))
    return plan


def row_problem(fields: list[str], columns: list[str], types: dict[str, str], key_index: int) -> str | None:
    if len(fields) != len(columns):
        return f"expected {len(columns)} columns, found {len(fields)}"
    if not fields[key_index].strip():
        return f"the key column {columns[key_index]!r} is empty"
    for column, raw in zip(columns, fields):
        value = raw.strip()
        if not csvtypes.fits(value, types[column]):
            return csvtypes.describe_misfit(column, value, types[column])
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
