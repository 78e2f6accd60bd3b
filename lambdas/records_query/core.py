"""The read-only guard and result shaping of the query API; plain functions, no AWS calls."""

from __future__ import annotations

import json
import re

READ_ONLY_STARTS = {"select", "with"}
# Statements (and DuckDB/Trino extensions) that change data, the catalog or the engine; rejected anywhere
# outside string literals, so they cannot hide in a CTE or after a comment.
FORBIDDEN = {"insert", "update", "delete", "merge", "drop", "create", "alter", "truncate", "grant", "revoke",
             "call", "unload", "msck", "copy", "attach", "detach", "pragma", "install", "load", "export",
             "import", "vacuum", "set", "reset", "prepare", "execute", "deallocate", "use"}
_TOKENS = re.compile(r"""
    (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^']|'')*')
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<semicolon>;)
  | (?P<other>\S)
""", re.VERBOSE | re.DOTALL)
INTEGER_TYPES = {"tinyint", "smallint", "integer", "int", "bigint"}
FLOAT_TYPES = {"double", "float", "real", "decimal"}


class QueryRejected(ValueError):
    """A request the API answers with 400; the message is shown to the caller as is."""


def check_read_only(sql: str) -> str:
    """The statement without a trailing semicolon, or QueryRejected saying why it may not run."""
    if not sql or not sql.strip():
        raise QueryRejected("Pass a SQL SELECT statement in the `sql` query parameter.")
    if len(sql) > 100_000:
        raise QueryRejected("The query is longer than 100,000 characters; shorten it.")
    words, statement_ended = [], False
    for match in _TOKENS.finditer(sql):
        kind = match.lastgroup
        if kind == "comment":
            continue
        if statement_ended:
            raise QueryRejected("Only one statement per request is allowed; remove everything after the ';'.")
        if kind == "semicolon":
            statement_ended = True
        elif kind == "word":
            words.append(match.group().lower())
    if not words or words[0] not in READ_ONLY_STARTS:
        first = words[0].upper() if words else "nothing"
        raise QueryRejected(f"Only read-only SELECT queries are allowed; this statement starts with {first}.")
    forbidden = sorted(set(words) & FORBIDDEN)
    if forbidden:
        raise QueryRejected(f"Only read-only SELECT queries are allowed; {', '.join(w.upper() for w in forbidden)} "
                            "may not appear in the query.")
    return sql.strip().rstrip(";").strip()


def convert(value: str | None, athena_type: str):
    """Athena returns every value as a string; give JSON callers numbers and booleans as such."""
    if value is None:
        return None
    kind = athena_type.lower().split("(")[0]
    try:
        if kind in INTEGER_TYPES:
            return int(value)
        if kind in FLOAT_TYPES:
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        return value.lower() == "true"
    return value


def shape_rows(pages: list[dict], max_rows: int) -> tuple[list[str], list[list], bool]:
    """GetQueryResults pages -> (column names, rows, truncated). The first row of the first page is the
    header row Athena adds for SELECT statements."""
    columns_info = pages[0]["ResultSet"]["ResultSetMetadata"]["ColumnInfo"] if pages else []
    names = [c["Name"] for c in columns_info]
    types = [c.get("Type", "varchar") for c in columns_info]
    rows, first = [], True
    for page in pages:
        for row in page["ResultSet"].get("Rows", []):
            values = [cell.get("VarCharValue") for cell in row.get("Data", [])]
            if first:
                first = False
                if values == names:
                    continue
            rows.append([convert(v, t) for v, t in zip(values, types)])
    truncated = len(rows) > max_rows
    return names, rows[:max_rows], truncated


def response(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, default=str), "isBase64Encoded": False}
