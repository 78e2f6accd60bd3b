"""Which requests take the fast path, and taking it (see the package docstring)."""

from __future__ import annotations

import io
import os
import threading
from typing import Any

from werkzeug.exceptions import HTTPException

from localcloud.server.fast_path import moto_entry, wire
from localcloud.server.requests import MotoResponse, operation_from_headers_or_form

# (moto service, operation) pairs answered by the fast path; everything else goes through moto's WSGI stack.
HOT: dict[str, frozenset[str]] = {
    "s3": frozenset({"PutObject", "GetObject", "HeadObject", "DeleteObject", "ListObjects", "ListObjectsV2"}),
    "dynamodb": frozenset({"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "BatchWriteItem"}),
    "sqs": frozenset({"SendMessage", "ReceiveMessage", "DeleteMessage"}),
    "kinesis": frozenset({"PutRecord", "PutRecords", "GetRecords"}),
    "sns": frozenset({"Publish"}),
    "secretsmanager": frozenset({"GetSecretValue"}),
}
# Lambda Invoke is not here: it never reaches moto's Flask stack (our runtime answers it, aws/lambda handlers).

_serving = threading.local()
# S3 object operations by method, when the request names no subresource (?tagging, ?uploadId, ?acl, ...):
# (app.py names S3's operation only when something of ours needs it, so the fast path tells them itself.)
_S3_OBJECT_OPERATIONS = {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
# Query keys that leave an object request what it is (botocore's x-id names the operation itself).
_S3_PLAIN_QUERY_KEYS = frozenset({"x-id", "versionId"})
# Query keys of ListObjects(V2) on a bucket (botocore's model: the s3 ListObjects/ListObjectsV2 inputs); any
# other key is a bucket subresource (?location, ?versions, ?uploads, ...), which is not hot.
_S3_LIST_QUERY_KEYS = frozenset({"list-type", "prefix", "delimiter", "encoding-type", "max-keys", "marker",
                                 "continuation-token", "start-after", "fetch-owner", "x-id"})


def _query_keys(query: str) -> set[str]:
    return {part.partition("=")[0] for part in query.split("&") if part}


def _s3_operation(environ: dict[str, Any]) -> str | None:
    query = environ.get("QUERY_STRING", "")
    if moto_entry.is_s3_bucket_path(environ.get("PATH_INFO", "")):
        if environ["REQUEST_METHOD"] != "GET" or not _query_keys(query) <= _S3_LIST_QUERY_KEYS:
            return None
        return "ListObjectsV2" if "list-type=2" in query.split("&") else "ListObjects"
    if query and not _query_keys(query) <= _S3_PLAIN_QUERY_KEYS:
        return None
    if environ.get("HTTP_X_AMZ_COPY_SOURCE"):  # CopyObject
        return None
    return _S3_OBJECT_OPERATIONS.get(environ["REQUEST_METHOD"])


# Hot services on the query protocol whose operation app.py does not name (no hooks of ours on them).
_QUERY_PROTOCOL = frozenset({"sns"})


def _form_action(environ: dict[str, Any]) -> str | None:
    stream = environ.get("wsgi.input")
    body = stream.getvalue() if isinstance(stream, io.BytesIO) else b""  # server/requests.py read_body left it
    return operation_from_headers_or_form(environ, body)


def enabled_from_env() -> bool:
    raw = os.environ.get("LOCALCLOUD_FAST_PATH", "1").strip().lower()
    if raw not in ("0", "1", "false", "true", "off", "on", ""):
        raise ValueError(f"LOCALCLOUD_FAST_PATH={raw!r}: use 1 (the default: hot operations skip Flask) or 0")
    return raw not in ("0", "false", "off")


def current_request() -> Any | None:
    """The moto request the fast path is serving on this thread (what Flask's `request` is on moto's road),
    for code inside moto's hooks that asks who made the request (S3 event records)."""
    return getattr(_serving, "request", None)


class FastPath:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.answered = 0  # for the health document and the tests: proof the road is taken

    def call(self, service: str, operation: str | None, environ: dict[str, Any]) -> MotoResponse | None:
        """moto's answer to a hot request, or None when the request is not one (the caller asks moto)."""
        if not self.enabled:
            return None
        if operation is None:  # app.py names operations only for services with hooks of ours
            if service == "s3":
                operation = _s3_operation(environ)
            elif environ.get("HTTP_X_AMZ_TARGET"):  # JSON protocols: Service_Version.Operation
                operation = environ["HTTP_X_AMZ_TARGET"].rsplit(".", 1)[-1]
            elif service in _QUERY_PROTOCOL:  # Action=... in the form body app.py has already read
                operation = _form_action(environ)
        if operation not in HOT.get(service, ()):
            return None
        target = moto_entry.callable_for(service, environ.get("PATH_INFO", ""))
        if target is None:
            return None
        request = moto_entry.FastRequest(environ)
        _serving.request = request
        try:
            result = moto_entry.call(target, request)
            status, headers, body = wire.to_wire(result, environ["REQUEST_METHOD"], environ)
        except HTTPException as error:  # Flask answers these with their own response
            status, headers, body = wire.from_exception(error, environ)
        finally:
            _serving.request = None
        self.answered += 1
        return MotoResponse(status, headers, body)

    def health(self) -> dict[str, object]:
        return {"fast_path": {"enabled": self.enabled, "answered": self.answered}}
