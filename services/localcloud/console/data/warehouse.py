"""The warehouse dashboard, the ETL's "Visualisations" stage: charts over the star schema the ETL loads.

Every chart is one SQL query (shown on the page beside its chart and table) and a Vega-Lite spec over its
rows. A sales order has one fact row per version (fact_sales_order is append-only), so sales figures use
each order's current version, `current_orders` below; counting every version would count an updated
order twice.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

CURRENT_ORDERS = """WITH current_orders AS (
  SELECT DISTINCT ON (sales_order_id) *
  FROM fact_sales_order
  ORDER BY sales_order_id, last_updated_date DESC, last_updated_time DESC
)
"""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    sql: str
    spec: dict[str, Any]  # Vega-Lite, without data (the rows are added as values)


def _bar(x: str, y: str, *, x_title: str, y_title: str, sort: str | None = "-y", color: str | None = None,
         horizontal: bool = False) -> dict[str, Any]:
    category = {"field": x, "type": "nominal", "title": x_title, "sort": sort}
    value = {"field": y, "type": "quantitative", "title": y_title, "axis": {"format": ",.0f"}}
    encoding: dict[str, Any] = {"y": category, "x": value} if horizontal else {"x": category, "y": value}
    if horizontal and sort == "-y":
        category["sort"] = "-x"
    if color:
        encoding["color"] = {"field": color, "type": "nominal"}
    encoding["tooltip"] = [{"field": x}, {"field": y, "format": ",.2f"}] + ([{"field": color}] if color else [])
    return {"mark": {"type": "bar", "tooltip": True}, "encoding": encoding}


CHARTS = (
    Chart("sales_by_month", "Sales value (units × unit price) by month",
          CURRENT_ORDERS + """SELECT to_char(d.date_id, 'YYYY-MM') AS month,
       round(sum(o.units_sold * o.unit_price), 2) AS sales_value,
       count(*) AS orders
FROM current_orders o JOIN dim_date d ON d.date_id = o.created_date
GROUP BY 1 ORDER BY 1""",
          {"mark": {"type": "line", "point": True, "tooltip": True},
           "encoding": {"x": {"field": "month", "type": "ordinal", "title": "month"},
                        "y": {"field": "sales_value", "type": "quantitative", "title": "sales value",
                              "axis": {"format": ",.0f"}}}}),
    Chart("top_designs", "Top 10 designs by sales value",
          CURRENT_ORDERS + """SELECT dd.design_name, round(sum(o.units_sold * o.unit_price), 2) AS sales_value
FROM current_orders o JOIN dim_design dd ON dd.design_id = o.design_id
GROUP BY dd.design_name ORDER BY sales_value DESC, dd.design_name LIMIT 10""",
          _bar("design_name", "sales_value", x_title="design", y_title="sales value", horizontal=True)),
    Chart("sales_by_country", "Sales value by country",
          CURRENT_ORDERS + """SELECT l.country, round(sum(o.units_sold * o.unit_price), 2) AS sales_value
FROM current_orders o JOIN dim_location l ON l.location_id = o.agreed_delivery_location_id
GROUP BY l.country ORDER BY sales_value DESC, l.country LIMIT 15""",
          _bar("country", "sales_value", x_title="country (agreed delivery)", y_title="sales value", horizontal=True)),
    Chart("sales_by_city", "Sales value by city (top 15)",
          CURRENT_ORDERS + """SELECT l.city, l.country, round(sum(o.units_sold * o.unit_price), 2) AS sales_value
FROM current_orders o JOIN dim_location l ON l.location_id = o.agreed_delivery_location_id
GROUP BY l.city, l.country ORDER BY sales_value DESC, l.city LIMIT 15""",
          _bar("city", "sales_value", x_title="city (agreed delivery)", y_title="sales value", horizontal=True)),
    Chart("sales_by_currency", "Sales value by currency (in that currency)",
          CURRENT_ORDERS + """SELECT c.currency_code, c.currency_name, round(sum(o.units_sold * o.unit_price), 2) AS sales_value,
       count(*) AS orders
FROM current_orders o JOIN dim_currency c ON c.currency_id = o.currency_id
GROUP BY c.currency_code, c.currency_name ORDER BY sales_value DESC""",
          {"mark": {"type": "arc", "tooltip": True},
           "encoding": {"theta": {"field": "sales_value", "type": "quantitative"},
                        "color": {"field": "currency_code", "type": "nominal", "title": "currency"}}}),
    Chart("sales_by_staff", "Sales value by sales staff and department",
          CURRENT_ORDERS + """SELECT s.first_name || ' ' || s.last_name AS staff, s.department_name,
       round(sum(o.units_sold * o.unit_price), 2) AS sales_value
FROM current_orders o JOIN dim_staff s ON s.staff_id = o.sales_staff_id
GROUP BY s.staff_id, s.first_name, s.last_name, s.department_name ORDER BY sales_value DESC""",
          _bar("staff", "sales_value", x_title="sales staff", y_title="sales value", color="department_name",
               horizontal=True)),
    Chart("delivery_lead_times", "Agreed-delivery lead times (days from order to agreed delivery)",
          CURRENT_ORDERS + """SELECT (o.agreed_delivery_date - o.created_date) AS lead_days, count(*) AS orders
FROM current_orders o
WHERE o.agreed_delivery_date IS NOT NULL AND o.created_date IS NOT NULL
GROUP BY 1 ORDER BY 1""",
          {"mark": {"type": "bar", "tooltip": True},
           "encoding": {"x": {"field": "lead_days", "type": "quantitative", "bin": {"maxbins": 20},
                              "title": "lead time (days)"},
                        "y": {"aggregate": "sum", "field": "orders", "type": "quantitative", "title": "orders"}}}),
)

TOTALS_SQL = CURRENT_ORDERS + """SELECT count(*) AS orders, round(sum(units_sold * unit_price), 2) AS sales_value,
       sum(units_sold) AS units, (SELECT count(*) FROM fact_sales_order) AS fact_rows
FROM current_orders"""


def _warehouse_secret(ctx: ConsoleContext) -> str:
    arn = ctx.outputs().get("warehouse_secret_arn")
    if not isinstance(arn, str):
        raise HttpError(404, "no applied stack has a warehouse_secret_arn output, so there is no warehouse to "
                             "chart; apply infra/tflocal (`make up`) and run the ETL (`localcloud events fire ...`)")
    return arn


def _query(connection: Any, sql: str) -> tuple[list[str], list[list[Any]]]:
    cursor = connection.execute(sql)
    columns = [c.name for c in cursor.description]
    return columns, [[_plain(v) for v in row] for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def last_etl_run(ctx: ConsoleContext) -> dict[str, Any] | None:
    machine = ctx.outputs().get("etl_state_machine_arn")
    if not isinstance(machine, str):
        return None
    runs = ctx.client("stepfunctions").list_executions(stateMachineArn=machine, maxResults=20)["executions"]
    finished = [r for r in runs if r["status"] != "RUNNING"]
    if not finished:
        return None
    latest = max(finished, key=lambda r: r.get("stopDate") or r["startDate"])
    return {"name": latest["name"], "arn": latest["executionArn"], "status": latest["status"],
            "stopped": latest.get("stopDate")}


def dashboard(ctx: ConsoleContext) -> dict[str, Any]:
    from localcloud.console.data.rds import connect

    started = time.perf_counter()
    try:
        connection = connect(ctx, _warehouse_secret(ctx))
    except HttpError:
        raise
    except Exception as exc:
        raise HttpError(502, f"could not connect to the warehouse: {exc}") from None
    charts = []
    try:
        connection.execute("SET default_transaction_read_only = on")
        exists = connection.execute("SELECT to_regclass('fact_sales_order') IS NOT NULL").fetchone()[0]
        if not exists:
            return {"empty": True, "message": "The warehouse has no fact_sales_order table yet: the ETL has not "
                    "loaded anything. Fire its schedule (Schedules page, or `localcloud events fire`).",
                    "last_run": last_etl_run(ctx)}
        total_columns, total_rows = _query(connection, TOTALS_SQL)
        for chart in CHARTS:
            columns, rows = _query(connection, chart.sql)
            spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": "container",
                    "height": 260, **chart.spec,
                    "data": {"values": [dict(zip(columns, row)) for row in rows]}}
            charts.append({"id": chart.id, "title": chart.title, "sql": chart.sql, "columns": columns,
                           "rows": rows, "spec": spec})
    finally:
        connection.close()
    return {"totals": dict(zip(total_columns, total_rows[0])), "totals_sql": TOTALS_SQL, "charts": charts,
            "last_run": last_etl_run(ctx), "milliseconds": round((time.perf_counter() - started) * 1000, 1)}


def lineage(ctx: ConsoleContext, sales_record_id: int) -> dict[str, Any]:
    """Which ETL run loaded fact row `sales_record_id`: the first successful run whose processed
    fact_sales_order Parquet holds that version of the order (a re-load of it inserts nothing)."""
    import io

    import pyarrow.parquet as pq

    from localcloud.console.data.rds import connect

    connection = connect(ctx, _warehouse_secret(ctx))
    try:
        cursor = connection.execute(
            "SELECT sales_record_id, sales_order_id, last_updated_date, last_updated_time, units_sold, unit_price "
            "FROM fact_sales_order WHERE sales_record_id = %s", (sales_record_id,))
        found = cursor.fetchone()
        columns = [c.name for c in cursor.description]
    finally:
        connection.close()
    if found is None:
        raise HttpError(404, f"the warehouse has no fact row with sales_record_id {sales_record_id}")
    row = dict(zip(columns, (_plain(v) for v in found)))
    machine = ctx.outputs().get("etl_state_machine_arn")
    client = ctx.client("stepfunctions")
    runs = [e for page in client.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="SUCCEEDED")
            for e in page["executions"]]
    s3 = ctx.client("s3")
    for run in sorted(runs, key=lambda r: r["startDate"]):
        output = json.loads(client.describe_execution(executionArn=run["executionArn"]).get("output") or "{}")
        transform = output.get("transform") or {}
        key = (transform.get("tables") or {}).get("fact_sales_order")
        if not key:
            continue
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket=transform["bucket"], Key=key)["Body"].read()),
                              columns=["sales_order_id", "last_updated_date", "last_updated_time"])
        for candidate in table.to_pylist():
            if (candidate["sales_order_id"] == row["sales_order_id"]
                    and str(candidate["last_updated_date"]) == str(row["last_updated_date"])
                    and str(candidate["last_updated_time"]) == str(row["last_updated_time"])):
                return {"row": row, "run": {"name": run["name"], "arn": run["executionArn"],
                                            "started": run["startDate"], "stopped": run.get("stopDate")},
                        "processed_object": f"s3://{transform['bucket']}/{key}",
                        "rows_changed": (output.get("load") or {}).get("rows_changed")}
    return {"row": row, "run": None, "message": "no successful ETL run's processed Parquet holds this version "
            "of the order (its run may have been older than the executions the local cloud keeps)"}
