"""GET /query?sql=... : run a read-only query through Athena and answer {"columns": [...], "rows": [...]}."""

import json
import os
import time

import boto3
import core
from botocore.exceptions import ClientError

athena = boto3.client("athena")
FINISHED = {"SUCCEEDED", "FAILED", "CANCELLED"}


def log(level: str, message: str, **fields) -> None:
    print(json.dumps({"level": level, "message": message, **fields}, default=str), flush=True)


def wait(query_id: str, timeout: float) -> dict:
    """Poll until the query finishes; short sleeps first, since most catalog queries take well under 1 s."""
    deadline, delay = time.monotonic() + timeout, 0.05
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in FINISHED or time.monotonic() >= deadline:
            return execution
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def fetch_pages(query_id: str, max_rows: int) -> list[dict]:
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


def handler(event, context):
    params = (event or {}).get("queryStringParameters") or {}
    try:
        sql = core.check_read_only(params.get("sql", ""))
    except core.QueryRejected as exc:
        log("WARN", "query rejected", reason=str(exc))
        return core.response(400, {"error": str(exc)})
    try:
        query_id = athena.start_query_execution(
            QueryString=sql, WorkGroup=os.environ["ATHENA_WORKGROUP"],
            QueryExecutionContext={"Database": os.environ["GLUE_DATABASE"], "Catalog": "AwsDataCatalog"},
        )["QueryExecutionId"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "InvalidRequestException":
            return core.response(400, {"error": exc.response["Error"]["Message"]})
        raise
    execution = wait(query_id, float(os.environ.get("QUERY_TIMEOUT_SECONDS", "25")))
    status = execution["Status"]
    if status["State"] not in FINISHED:
        athena.stop_query_execution(QueryExecutionId=query_id)
        log("WARN", "query timed out", query_execution_id=query_id)
        return core.response(504, {"error": "The query did not finish in time and was cancelled; narrow it "
                                            "(a WHERE on ingest_date, a LIMIT) and try again.",
                                   "query_execution_id": query_id})
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason") or status["State"]
        # ErrorCategory 1 is Athena's own fault; 2 (user) and 3 (other) are the query's.
        code = 502 if status.get("AthenaError", {}).get("ErrorCategory") == 1 else 400
        log("WARN", "query failed", query_execution_id=query_id, reason=reason)
        return core.response(code, {"error": reason, "query_execution_id": query_id})
    max_rows = int(os.environ.get("MAX_ROWS", "1000"))
    columns, rows, truncated = core.shape_rows(fetch_pages(query_id, max_rows), max_rows)
    log("INFO", "query answered", query_execution_id=query_id, rows=len(rows), truncated=truncated)
    return core.response(200, {"columns": columns, "rows": rows, "truncated": truncated,
                               "query_execution_id": query_id})
