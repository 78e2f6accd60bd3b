"""AWS-shaped error responses, in the wire format each service's SDK parses (by botocore protocol)."""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from xml.sax.saxutils import escape

import botocore.session

from localcloud.server.rest_routes import BOTOCORE_NAMES

Response = tuple[int, list[tuple[str, str]], bytes]


@lru_cache(maxsize=None)
def protocol_of(service: str) -> str:
    try:
        model = botocore.session.get_session().get_service_model(BOTOCORE_NAMES.get(service, service))
    except Exception:  # an unknown service: answer in JSON, the most common shape
        return "json"
    return model.metadata.get("protocol", "json")


def aws_error(service: str, status: int, code: str, message: str) -> Response:
    request_id = str(uuid.uuid4())
    protocol = protocol_of(service)
    if protocol in ("json", "rest-json", "smithy-rpc-v2-cbor"):
        body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
                   ("x-amzn-RequestId", request_id)]
    elif protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
        headers = [("Content-Type", "text/xml")]
    elif protocol == "rest-xml":
        body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>").encode()
        headers = [("Content-Type", "application/xml")]
    else:  # query
        kind = "Sender" if status < 500 else "Receiver"
        body = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
                f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml")]
    headers.append(("Content-Length", str(len(body))))
    return status, headers, body


def not_implemented(service: str, operation: str | None) -> Response:
    # 501 is not in the SDKs' retryable set (500/502/503/504), so Terraform fails at once instead of
    # retrying for minutes.
    name = f"{service}:{operation}" if operation else service
    return aws_error(service, 501, "NotImplemented",
                     f"localcloud does not implement {name} yet. The request changed nothing; "
                     "use a supported operation or report it with this message.")


def json_error_in_protocol(service: str, status: int, body: bytes) -> Response | None:
    """An error moto answered in JSON for a service whose SDKs parse XML (an exception of another service's
    backend raised inside this one: CloudFormation creating a state machine), re-said in the service's own
    wire format; an SDK cannot parse it otherwise (ResponseParserError, and retries). None if it is fine."""
    if status < 400 or protocol_of(service) not in ("query", "ec2", "rest-xml") or not body.lstrip().startswith(b"{"):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    code = str(document.get("__type") or document.get("code") or "ValidationError").rsplit("#", 1)[-1]
    message = str(document.get("message") or document.get("Message") or "")
    return aws_error(service, status, code, message)
