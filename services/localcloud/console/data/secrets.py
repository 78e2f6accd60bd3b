"""Secrets Manager: names and metadata, values masked; revealing one is a console action (CSRF token)."""

from __future__ import annotations

import json
from typing import Any

from localcloud.console.context import ConsoleContext
from localcloud.console.web import HttpError

MASK = "••••••••"


def secrets(ctx: ConsoleContext, search: str = "") -> dict[str, Any]:
    client = ctx.client("secretsmanager")
    found = [s for page in client.get_paginator("list_secrets").paginate() for s in page["SecretList"]]
    return {"items": [{"name": s["Name"], "arn": s["ARN"], "description": s.get("Description"),
                       "changed": s.get("LastChangedDate"), "value": MASK}
                      for s in found if search.lower() in s["Name"].lower()]}


def reveal(ctx: ConsoleContext, secret_id: str) -> dict[str, Any]:
    client = ctx.client("secretsmanager")
    try:
        value = client.get_secret_value(SecretId=secret_id)
    except client.exceptions.ResourceNotFoundException:
        raise HttpError(404, f"there is no secret {secret_id!r}") from None
    text = value.get("SecretString")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return {"name": value["Name"], "arn": value["ARN"], "version": value.get("VersionId"),
            "value": text if text is not None else "(binary secret)", "json": parsed}


def credentials(ctx: ConsoleContext, secret_arn: str) -> dict[str, Any]:
    """The RDS-shaped secret behind a connection (engine, host, port, username, password, dbname)."""
    return json.loads(ctx.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])
