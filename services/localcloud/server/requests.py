"""What a request is: which AWS service, which operation, which region, and its body.

The service comes from the SigV4 credential scope (what every SDK, the AWS CLI and Terraform send);
the operation from X-Amz-Target (JSON protocols), Action (query protocols) or the REST route.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs


@dataclass
class MotoResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class AwsRequest:
    environ: dict[str, Any]
    service: str  # moto's backend name: "s3", "lambda", "stepfunctions", ...
    region: str
    account_id: str
    operation: str | None
    body: bytes
    forward: Callable[["AwsRequest"], MotoResponse] = field(repr=False)

    @property
    def method(self) -> str:
        return self.environ["REQUEST_METHOD"]

    @property
    def path(self) -> str:
        return self.environ.get("PATH_INFO", "")

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)

    def header(self, name: str) -> str | None:
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() == "content-type":
            key = "CONTENT_TYPE"
        return self.environ.get(key)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        merged = {k: v[0] for k, v in self.query.items()}
        if self.body and (self.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            merged.update({k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()})
        return merged

    def to_moto(self, body: bytes | None = None) -> MotoResponse:
        """Hand the request (optionally with a rewritten body) to moto and collect its answer."""
        if body is not None:
            self.body = body
            self.environ["CONTENT_LENGTH"] = str(len(body))
        self.environ["wsgi.input"] = io.BytesIO(self.body)
        return self.forward(self)


def read_body(environ: dict[str, Any]) -> bytes:
    length = environ.get("CONTENT_LENGTH") or "0"
    stream = environ["wsgi.input"]
    if length.isdigit() and int(length) > 0:
        body = stream.read(int(length))
    elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def credential_scope(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key, region, signing name) from a SigV4 Authorization header or presigned query."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = ""
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    elif "X-Amz-Credential=" in environ.get("QUERY_STRING", ""):
        from urllib.parse import unquote

        scope = unquote(environ["QUERY_STRING"].split("X-Amz-Credential=", 1)[1].split("&", 1)[0])
    parts = scope.split("/")
    if len(parts) != 5:
        return None
    return parts[0], parts[2], parts[3]


def operation_from_headers_or_form(environ: dict[str, Any], body: bytes) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    query = environ.get("QUERY_STRING", "")
    if "Action=" in query:
        return parse_qs(query).get("Action", [None])[0]
    if body and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode("utf-8", "replace")).get("Action", [None])[0]
    return None
