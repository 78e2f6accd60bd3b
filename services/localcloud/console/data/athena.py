"""Athena: a query editor (StartQueryExecution, then results), through the endpoint like any client."""

from __future__ import annotations

import time
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

WAIT_SECONDS = 60


def workgroups(ctx: ConsoleContext) -> dict[str, Any]:
    """Workgroups with a result location first: a query in one without needs an OutputLocation (Athena
    refuses it otherwise), and the stack's own workgroup has one."""
    client = ctx.client("athena")
    groups = [g["Name"] for g in client.list_work_groups().get("WorkGroups", [])]

    def has_output(name: str) -> bool:
        config = client.get_work_group(WorkGroup=name)["WorkGroup"].get("Configuration", {})
        return bool((config.get("ResultConfiguration") or {}).get("OutputLocation"))
    groups.sort(key=lambda name: not has_output(name))
    return {"workgroups": groups, "databases": [d["Name"] for d in ctx.client("glue").get_databases()["DatabaseList"]]}


def run(ctx: ConsoleContext, sql: str, database: str = "", workgroup: str = "") -> dict[str, Any]:
    """Start the query, wait for it (bounded), return its columns and first page of rows.

    A query is a read in Athena's terms, but it writes its results to S3 and costs an engine run, so the
    console treats it as an action (POST with the CSRF token)."""
    if not sql.strip():
        raise HttpError(400, "give a SQL query, for example SELECT 1")
    client = ctx.client("athena")
    params: dict[str, Any] = {"QueryString": sql}
    if database:
        params["QueryExecutionContext"] = {"Database": database}
    if workgroup:
        params["WorkGroup"] = workgroup
    started = time.perf_counter()
    try:
        query_id = client.start_query_execution(**params)["QueryExecutionId"]
    except Exception as exc:
        raise HttpError(400, f"Athena did not start the query: {exc}") from None
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        status = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        if time.monotonic() > deadline:
            raise HttpError(504, f"query {query_id} still runs after {WAIT_SECONDS} s; see it in Athena's history")
        time.sleep(0.05)
    result: dict[str, Any] = {"query_id": query_id, "state": status["State"],
                              "reason": status.get("StateChangeReason"),
                              "milliseconds": round((time.perf_counter() - started) * 1000, 1)}
    if status["State"] != "SUCCEEDED":
        return result
    page = client.get_query_results(QueryExecutionId=query_id, MaxResults=1000)
    columns = [c["Name"] for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]]
    rows = [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
    if rows and rows[0] == columns:
        rows = rows[1:]  # Athena's first row repeats the header for SELECTs
    return {**result, "columns": columns, "rows": rows, "next": page.get("NextToken")}
