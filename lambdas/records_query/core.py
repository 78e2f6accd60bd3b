"""The query API: the read-only guard, the Athena round trip, result shaping; plain functions (Athena is an
argument)."""

from __future__ import annotations

import json
import logging
import re
import time

from pipeline_common.jsonlog import fields

log = logging.getLogger("records_query")
FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}

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


def wait(athena, query_id: str, timeout: float) -> dict:
    """Poll until the query finishes; short sleeps first, since most catalog queries take well under 1 s."""
    deadline, delay = time.monotonic() + timeout, 0.05
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in FINISHED or time.monotonic() >= deadline:
            return execution
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def fetch_pages(athena, query_id: str, max_rows: int) -> list[dict]:
    pages, token, fetched = [], None, 0
    while fetched <= max_rows:  # one row beyond the limit tells the caller the result was truncated
        kwargs = {"QueryExecutionId": query_id, "MaxResults": 1000, **({"NextToken": token} if token else {})}
        page = athena.get_query_results(**kwargs)
        pages.append(page)
        fetched += len(page["ResultSet"].get("Rows", []))
        token = page.get("NextToken")
        if not token:
            break
    return pages


def answer(athena, sql: str, workgroup: str, database: str, timeout: float, max_rows: int) -> dict:
    """GET /query's API Gateway proxy response for `sql`: 200 with rows, 400 for the query's faults, 502 for
    Athena's, 504 when it did not finish in time."""
    try:
        sql = check_read_only(sql)
    except QueryRejected as exc:
        log.warning("query rejected", extra=fields(reason=str(exc)))
        return response(400, {"error": str(exc)})
    try:
        query_id = athena.start_query_execution(
            QueryString=sql, WorkGroup=workgroup,
            QueryExecutionContext={"Database": database, "Catalog": "AwsDataCatalog"},
        )["QueryExecutionId"]
    except athena.exceptions.InvalidRequestException as exc:
        return response(400, {"error": exc.response["Error"]["Message"]})
    execution = wait(athena, query_id, timeout)
    status = execution["Status"]
    if status["State"] not in FINISHED:
        athena.stop_query_execution(QueryExecutionId=query_id)
        log.warning("query timed out", extra=fields(query_execution_id=query_id))
        return response(504, {"error": "The query did not finish in time and was cancelled; narrow it "
                                       "(a WHERE on ingest_date, a LIMIT) and try again.",
                              "query_execution_id": query_id})
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason") or status["State"]
        # ErrorCategory 1 is Athena's own fault; 2 (user) and 3 (other) are the query's.
        code = 502 if status.get("AthenaError", {}).get("ErrorCategory") == 1 else 400
        log.warning("query failed", extra=fields(query_execution_id=query_id, reason=reason))
        return response(code, {"error": reason, "query_execution_id": query_id})
    columns, rows, truncated = shape_rows(fetch_pages(athena, query_id, max_rows), max_rows)
    log.info("query answered", extra=fields(query_execution_id=query_id, rows=len(rows), truncated=truncated))
    return response(200, {"columns": columns, "rows": rows, "truncated": truncated,
                          "query_execution_id": query_id})
