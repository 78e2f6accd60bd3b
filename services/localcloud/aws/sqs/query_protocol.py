"""A query-protocol request is read and answered in the query protocol, whatever its HTTP method.

SQS speaks JSON and, for older SDKs and raw HTTP, the query protocol (botocore model: protocols json,
query). moto picks the protocol from the Content-Type alone, so a GET to a queue URL with
`?Action=GetQueueAttributes&AttributeName.1=All` (no body, hence no Content-Type) was parsed as JSON (its
parameters lost) and answered with a JSON "{}" that no query client can read. A request that names its
`Action` in the query string and has no X-Amz-Target is the query protocol ("Making query API requests",
SQS Developer Guide): it is given the form Content-Type before moto reads it. The rule is moto's, so it
holds for every service that speaks both protocols once installed (with the SQS package, on the first SQS
request).

Actions that address the service, not a queue (CreateQueue, ListQueues), sent to a queue's URL are refused
with 400 InvalidAction "The action X is not valid for this endpoint.", as AWS answers them.
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import parse_qs

from moto.core.utils import get_service_model
from moto.sqs.exceptions import SQSException

_MARK = "__localcloud_query_protocol__"
FORM = "application/x-www-form-urlencoded"


def is_bodiless_query_request(environ: dict[str, Any]) -> bool:
    return (not environ.get("CONTENT_TYPE") and not environ.get("HTTP_X_AMZ_TARGET")
            and "Action" in parse_qs(environ.get("QUERY_STRING", "")))


def _setup_class(original: Any) -> Any:
    @functools.wraps(original)
    def setup_class(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        environ = getattr(request, "environ", None)
        if environ is not None and is_bodiless_query_request(environ):
            try:
                protocols = get_service_model(self.boto3_service_name).metadata.get("protocols", [])
            except Exception:  # a service without a botocore model: leave the request as it is
                protocols = []
            if "query" in protocols:
                environ["CONTENT_TYPE"] = FORM
        return original(self, request, *args, **kwargs)

    setattr(setup_class, _MARK, original)
    return setup_class


SERVICE_ACTIONS = ("create_queue", "list_queues")
_QUEUE_PATH = re.compile(r"^/\d{12}/[^/]+/?$")


def _service_action(original: Any, action: str) -> Any:
    @functools.wraps(original)
    def service_action(self: Any) -> Any:
        if _QUEUE_PATH.match(self.path or ""):
            raise SQSException("InvalidAction", f"The action {action} is not valid for this endpoint.")
        return original(self)

    setattr(service_action, _MARK, original)
    return service_action
