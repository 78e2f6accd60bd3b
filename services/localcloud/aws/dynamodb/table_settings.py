"""What the table-level operations moto lacks share: finding the table the request names (or answering
AWS's ResourceNotFoundException), and a settings dict kept on moto's table object, so it is saved and
restored with the table."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest


def find_table(request: AwsRequest, name: str | None) -> Any:
    from localcloud.moto_adapter import dynamodb_backends

    backend = dynamodb_backends[request.account_id][request.region]
    try:
        return backend.get_table(name or "")
    except Exception:  # noqa: BLE001  (moto's ResourceNotFoundException)
        return None


def missing_table(name: str | None):
    return aws_error("dynamodb", 400, "ResourceNotFoundException",
                     f"Requested resource not found: Table: {name} not found")


def on_table(handler: Callable[[AwsRequest, dict, Any], Any]) -> Callable[[AwsRequest], Any]:
    """The handler is called with (request, its JSON body, the table it names); a table that does not exist
    is answered ResourceNotFoundException before the handler runs."""
    @functools.wraps(handler)
    def run(request: AwsRequest):
        spec = request.json()
        table = find_table(request, spec.get("TableName"))
        if table is None:
            return missing_table(spec.get("TableName"))
        return handler(request, spec, table)
    return run


def settings_on(table: Any, attribute: str) -> dict:
    """A dict of ours on moto's table object, created on first use."""
    found = getattr(table, attribute, None)
    if found is None:
        found = {}
        setattr(table, attribute, found)
    return found
