"""RDS instances -> their connection string, and a read-only SQL box (a READ ONLY transaction, rolled back)."""

from __future__ import annotations

import time
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

ROW_LIMIT = 500


def instances(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    found = ctx.client("rds").describe_db_instances().get("DBInstances", [])
    secrets = _secrets_by_port(ctx)
    items = []
    for db in found:
        endpoint = db.get("Endpoint") or {}
        host, port = endpoint.get("Address"), endpoint.get("Port")
        engine = db.get("Engine", "")
        scheme = "postgresql" if "postgres" in engine else "mysql"
        items.append({"identifier": db["DBInstanceIdentifier"], "engine": engine, "status": db.get("DBInstanceStatus"),
                      "host": host, "port": port, "database": db.get("DBName"), "user": db.get("MasterUsername"),
                      "connection": f"{scheme}://{db.get('MasterUsername')}@{host}:{port}/{db.get('DBName') or ''}",
                      "secret_arn": secrets.get(port)})
    return {"items": [i for i in items if search.lower() in i["identifier"].lower()]}


def _secrets_by_port(ctx: ConsoleContext) -> dict[int, str]:
    """Which secret holds each instance's credentials (the stack's outputs name them *_secret_arn). By port:
    every local instance listens on its own port, and a secret may name the host differently (localhost)."""
    import json

    found = {}
    client = ctx.client("secretsmanager")
    for name, value in ctx.outputs().items():
        if name.endswith("_secret_arn") and isinstance(value, str):
            try:
                secret = json.loads(client.get_secret_value(SecretId=value)["SecretString"])
            except Exception:  # noqa: BLE001  (a secret that is not RDS-shaped is simply not offered)
                continue
            found[int(secret.get("port") or 0)] = value
    return found


def connect(ctx: ConsoleContext, secret_arn: str) -> Any:
    """A connection from an RDS-shaped secret (postgres through psycopg, mysql/mariadb through PyMySQL)."""
    from localcloud.console.data.secrets import credentials

    secret = credentials(ctx, secret_arn)
    if "postgres" in secret.get("engine", "postgres"):
        import psycopg

        return psycopg.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                               password=secret["password"], dbname=secret.get("dbname") or "postgres",
                               connect_timeout=5)
    import pymysql

    return pymysql.connect(host=secret["host"], port=int(secret["port"]), user=secret["username"],
                           password=secret["password"], database=secret.get("dbname"), connect_timeout=5)


def run_read_only(ctx: ConsoleContext, secret_arn: str, sql: str, limit: int = ROW_LIMIT) -> dict[str, Any]:
    """Run `sql` in a READ ONLY transaction that is rolled back: a SELECT box, never a way to change data."""
    if not sql.strip():
        raise HttpError(400, "give a SQL query, for example SELECT 1")
    started = time.perf_counter()
    try:
        connection = connect(ctx, secret_arn)
    except Exception as exc:
        raise HttpError(502, f"could not connect to the database behind {secret_arn}: {exc}") from None
    try:
        cursor = connection.cursor()
        if connection.__class__.__module__.startswith("psycopg"):
            cursor.execute("BEGIN READ ONLY")
            cursor.execute("SET LOCAL statement_timeout = 30000")
        else:
            cursor.execute("START TRANSACTION READ ONLY")
        try:
            cursor.execute(sql)
        except Exception as exc:
            raise HttpError(400, f"the database refused the query: {exc}") from None
        columns = [c[0] for c in cursor.description or []]
        rows = [list(r) for r in cursor.fetchmany(limit)] if cursor.description else []
        return {"columns": columns, "rows": rows, "truncated": len(rows) == limit,
                "milliseconds": round((time.perf_counter() - started) * 1000, 1)}
    finally:
        try:
            connection.rollback()
        finally:
            connection.close()
