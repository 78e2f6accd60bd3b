"""Warehouse DDL and the SQL that makes each load idempotent: facts insert-if-new, dimensions upsert."""

from __future__ import annotations

from typing import Any

DDL = """
CREATE TABLE IF NOT EXISTS dim_date (
    date_id date PRIMARY KEY, year int NOT NULL, month int NOT NULL, day int NOT NULL,
    day_of_week int NOT NULL, day_name text NOT NULL, month_name text NOT NULL, quarter int NOT NULL);
CREATE TABLE IF NOT EXISTS dim_staff (
    staff_id int PRIMARY KEY, first_name text, last_name text, department_name text, location text,
    email_address text);
CREATE TABLE IF NOT EXISTS dim_location (
    location_id int PRIMARY KEY, address_line_1 text, address_line_2 text, district text, city text,
    postal_code text, country text, phone text);
CREATE TABLE IF NOT EXISTS dim_currency (currency_id int PRIMARY KEY, currency_code text, currency_name text);
CREATE TABLE IF NOT EXISTS dim_design (
    design_id int PRIMARY KEY, design_name text, file_location text, file_name text);
CREATE TABLE IF NOT EXISTS dim_counterparty (
    counterparty_id int PRIMARY KEY, counterparty_legal_name text, counterparty_legal_address_line_1 text,
    counterparty_legal_address_line_2 text, counterparty_legal_district text, counterparty_legal_city text,
    counterparty_legal_postal_code text, counterparty_legal_country text, counterparty_legal_phone_number text);
CREATE TABLE IF NOT EXISTS fact_sales_order (
    sales_record_id serial PRIMARY KEY, sales_order_id int NOT NULL, created_date date, created_time time,
    last_updated_date date, last_updated_time time, sales_staff_id int, counterparty_id int, units_sold int,
    unit_price numeric(10, 2), currency_id int, design_id int, agreed_payment_date date,
    agreed_delivery_date date, agreed_delivery_location_id int,
    -- one fact per version of a sales order: re-loading the same batch inserts nothing
    UNIQUE (sales_order_id, last_updated_date, last_updated_time));
"""

KEYS = {"fact_sales_order": ("sales_order_id", "last_updated_date", "last_updated_time"),
        "dim_date": ("date_id",), "dim_staff": ("staff_id",), "dim_location": ("location_id",),
        "dim_currency": ("currency_id",), "dim_design": ("design_id",), "dim_counterparty": ("counterparty_id",)}
# Dimensions first, so a reader between statements never sees a fact whose dimension row is missing.
LOAD_ORDER = ("dim_date", "dim_staff", "dim_location", "dim_currency", "dim_design", "dim_counterparty",
              "fact_sales_order")


def merge_sql(table: str, columns: list[str], staging: str) -> str:
    """INSERT ... ON CONFLICT: facts are immutable versions (DO NOTHING); dimensions take the new values,
    but only rows that differ are rewritten, so a re-run reports 0 changed rows."""
    if table not in KEYS:
        raise ValueError(f"{table!r} is not a warehouse table")
    keys = KEYS[table]
    column_list = ", ".join(columns)
    insert = f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging}"
    updates = [c for c in columns if c not in keys]
    if table.startswith("fact_") or not updates:
        return f"{insert} ON CONFLICT ({', '.join(keys)}) DO NOTHING"
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in updates)
    current = ", ".join(f"{table}.{c}" for c in updates)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in updates)
    return (f"{insert} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {assignments} "
            f"WHERE ({current}) IS DISTINCT FROM ({incoming})")


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """COPY's CSV: NULL is an unquoted empty field and every value is quoted, so "" and NULL stay apart."""
    def field(value: Any) -> str:
        return "" if value is None else '"' + str(value).replace('"', '""') + '"'

    return "".join(",".join(field(row[c]) for c in columns) + "\n" for row in rows)
