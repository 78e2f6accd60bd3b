"""Terraform outputs as plain JSON, with AWS URLs that only resolve on AWS rewritten to the local endpoint."""

from __future__ import annotations

import re
from typing import Any

# The provider builds invoke URLs from the partition's DNS suffix, whatever endpoint it talks to:
# https://{rest_api_id}.execute-api.{region}.amazonaws.com/{stage_name}[/{path}]; an HTTP API's $default
# stage has no name in its URL (https://{api_id}.execute-api.{region}.amazonaws.com/).
_EXECUTE_API = re.compile(
    r"^https://(?P<api>[A-Za-z0-9]+)\.execute-api\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"(?:/(?P<stage>[^/?#]+)(?P<rest>.*))?/?$")
DEFAULT_STAGE = "$default"


def rewrite_url(value: str, endpoint: str) -> str:
    """An execute-api invoke URL becomes the local cloud's path for the same API and stage
    (`{endpoint}/restapis/{id}/{stage}/_user_request_/...`, the form LocalStack also serves)."""
    match = _EXECUTE_API.match(value)
    if not match:
        return value
    rest = match.group("rest") or ""
    if rest and not rest.startswith(("/", "?", "#")):
        rest = "/" + rest
    stage = match.group("stage") or DEFAULT_STAGE
    return f"{endpoint.rstrip('/')}/restapis/{match.group('api')}/{stage}/_user_request_{rest}"


def rewrite_urls(value: Any, endpoint: str) -> Any:
    if isinstance(value, str):
        return rewrite_url(value, endpoint)
    if isinstance(value, list):
        return [rewrite_urls(item, endpoint) for item in value]
    if isinstance(value, dict):
        return {key: rewrite_urls(item, endpoint) for key, item in value.items()}
    return value


def plain_outputs(terraform_output_json: dict[str, Any], endpoint: str | None) -> dict[str, Any]:
    """`terraform output -json` ({name: {value, type, sensitive}}) -> {name: value}; URLs rewritten when
    `endpoint` is the local cloud's (None for AWS targets, whose URLs are real)."""
    values = {name: entry.get("value") for name, entry in terraform_output_json.items()}
    return rewrite_urls(values, endpoint) if endpoint else values
