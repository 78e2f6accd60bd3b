"""Postgres side of a CSV load: table DDL, COPY into a staging table, one INSERT ... ON CONFLICT."""

from __future__ import annotations

import time

import core
import csvtypes
import psycopg
from psycopg import sql

COPY_CHUNK = 1 << 20  # characters per write; large writes keep COPY fast


def existing_types(cursor, table: str) -> dict[str, str]:
    cursor.execute("SELECT column_name, data_type FROM information_schema.columns "
                   "WHERE table_schema = current_schema() AND table_name = %s", (table,))
    return {name: csvtypes.SQL_TYPES.get(data_type, csvtypes.TEXT) for name, data_type in cursor.fetchall()}


def ensure_table(cursor, plan: core.Plan, known: dict[str, str]) -> None:
    table = sql.Identifier(plan.table)
    if not known:
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(plan.types[c])) for c in plan.columns)
        cursor.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({}))").format(
            table, columns, sql.Identifier(plan.key)))
        return
    for column in plan.columns:
        if column not in known:  # a new column in a later upload: add it, older rows get NULL
            cursor.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {}").format(
                table, sql.Identifier(column), sql.SQL(plan.types[column])))
    # ON CONFLICT needs a unique index on the key; a table made elsewhere may not have one yet.
    cursor.execute(sql.SQL("CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} ({})").format(
        sql.Identifier(f"{plan.table}_{plan.key}_upsert_key"[:63]), table, sql.Identifier(plan.key)))


def upsert(cursor, plan: core.Plan) -> int:
    """Stage the good rows with COPY, then upsert them in one statement; returns rows written."""
    if not plan.good:
        return 0
    cursor.execute(sql.SQL("CREATE TEMP TABLE _stage (_line bigint, {}) ON COMMIT DROP").format(
        sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in plan.columns)))
    with cursor.copy(sql.SQL("COPY _stage FROM STDIN")) as copy:
        text = core.copy_text(plan.good)
        for start in range(0, len(text), COPY_CHUNK):
            copy.write(text[start:start + COPY_CHUNK])
    targets = sql.SQL(", ").join(sql.Identifier(c) for c in plan.columns)
    casts = sql.SQL(", ").join(sql.SQL("{}::{}").format(sql.Identifier(c), sql.SQL(plan.types[c]))
                               for c in plan.columns)
    updates = [c for c in plan.columns if c != plan.key]
    on_conflict = (sql.SQL("DO UPDATE SET ") + sql.SQL(", ").join(
        sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updates)) if updates \
        else sql.SQL("DO NOTHING")
    # A key repeated inside one file would make ON CONFLICT touch a row twice (an error): the last line
    # wins. Files without repeats skip that sort.
    select = ("SELECT {casts} FROM _stage" if plan.unique_keys
              else "SELECT DISTINCT ON ({key}) {casts} FROM _stage ORDER BY {key}, _line DESC")
    cursor.execute(sql.SQL(
        "INSERT INTO {table} ({targets}) " + select + " ON CONFLICT ({key_column}) {on_conflict}").format(
        table=sql.Identifier(plan.table), targets=targets, casts=casts,
        key=sql.SQL("{}::{}").format(sql.Identifier(plan.key), sql.SQL(plan.types[plan.key])),
        key_column=sql.Identifier(plan.key), on_conflict=on_conflict))
    return cursor.rowcount


def load(connection: psycopg.Connection, key: str, body: bytes) -> core.Plan:
    """Plan and load one file in one transaction; per-table advisory lock so two uploads of the same
    table do not race on its DDL."""
    table = core.table_name(key)
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"csv_upsert:{table}",))
        known = existing_types(cursor, table)
        started = time.perf_counter()
        plan = core.plan_load(key, body, known)
        planned = time.perf_counter()
        ensure_table(cursor, plan, known)
        plan.written = upsert(cursor, plan)
    plan.timings = {"validate_s": round(planned - started, 3), "database_s": round(time.perf_counter() - planned, 3)}
    return plan
