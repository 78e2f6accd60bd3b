"""Every Lambda answer in AWS's shape, whichever operation and whoever produced it (moto or us).

- Errors: Lambda's modelled errors carry `Type` ("User" for the caller's fault, "Service" for Lambda's) and
  their message under the member name the model gives (`Message` for ResourceNotFoundException, `message`
  for InvalidParameterValueException); SDKs expose both (botocore lambda service-2.json, error shapes).
- Status codes: the model's `responseCode` (AddPermission 201, DeleteFunction 204, ...), where moto says 200.
- Function configurations (FunctionConfiguration in any output: Get/Create/Update/Publish/List): completed
  by configuration_fields.complete (LoggingConfig, RevisionId, RuntimeVersionConfig, ...).
- A function ARN of another region or account names no function here: "Functions from 'eu-central-1' are
  not reachable in this region ('us-east-1')" (404), as AWS answers, instead of moto finding it by name.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import botocore.session

from localcloud.aws.lambda_ import configuration_fields
from localcloud.aws.registry import Response, finishes, screens
from localcloud.server.errors import aws_error
from localcloud.server.input_validation import request_parameters
from localcloud.server.requests import AwsRequest

ARN = re.compile(r"^arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:")


@lru_cache(maxsize=None)
def _model():
    return botocore.session.get_session().get_service_model("lambda")


@lru_cache(maxsize=None)
def _message_member(code: str) -> str:
    try:
        shape = _model().shape_for(code)
    except Exception:  # noqa: BLE001  (an error the model does not define)
        return "message"
    return "Message" if "Message" in shape.members else "message"


def _with_body(response: Response, document: Any, status: int | None = None) -> Response:
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in response[1] if k.lower() != "content-length"]
    return (status or response[0]), [*headers, ("Content-Length", str(len(body)))], body


def _error_code(response: Response, document: dict[str, Any]) -> str | None:
    header = next((v for k, v in response[1] if k.lower() == "x-amzn-errortype"), None)
    code = header or document.get("__type") or document.get("code") or document.get("Code")
    return code.split(":", 1)[0].rsplit("#", 1)[-1] if isinstance(code, str) else None


# moto's wording of a not-found -> AWS's (and its status): the message names the resource by its ARN.
# (Permission operations keep "Cannot find alias arn: ..." - AWS's words there too.)
AWS_WORDING = {
    ("UpdateAlias",): (re.compile(r"^Cannot find alias arn: (?P<arn>\S+)$"), "Alias not found: {arn}", 404),
    ("TagResource", "UntagResource", "ListTags"): (
        re.compile(r"^Event source mapping (?P<uuid>[0-9a-f-]+) not found\.$"),
        "Event source mapping not found: arn:aws:lambda:{region}:{account}:event-source-mapping:{uuid}", 404),
    ("PutFunctionConcurrency", "Invoke"): (  # AWS names the version the call would reach
        re.compile(r"^Function not found: (?P<arn>arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+)$"),
        "Function not found: {arn}:$LATEST", 404),
}


def _shape_error(request: AwsRequest, response: Response) -> Response:
    try:
        document = json.loads(response[2] or b"{}")
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    code = _error_code(response, document)
    if not code or code == "ValidationException":  # the front-end's validation error has only a message
        return response
    text = document.get("Message") or document.get("message") or ""
    status = response[0]
    for operations, (wrong, right, right_status) in AWS_WORDING.items():
        found = wrong.match(text) if code == "ResourceNotFoundException" and request.operation in operations else None
        if found:
            text = right.format(**found.groupdict(), region=request.region, account=request.account_id)
            status = right_status
    shaped = {key: value for key, value in document.items() if key not in ("message", "Message", "__type")}
    shaped["Type"] = document.get("Type") or ("User" if response[0] < 500 else "Service")
    shaped[_message_member(code)] = text
    headers = [(k, v) for k, v in response[1] if k.lower() != "x-amzn-errortype"]
    return _with_body((status, [*headers, ("x-amzn-ErrorType", code)], response[2]), shaped)


def _configurations(shape, value: Any, found: list[dict[str, Any]]) -> None:
    """Collect every FunctionConfiguration in an output document, walking the output shape."""
    if shape is None or value is None:
        return
    if shape.type_name == "structure" and isinstance(value, dict):
        if shape.name == "FunctionConfiguration":
            found.append(value)
            return
        for name, member in shape.members.items():
            _configurations(member, value.get(name), found)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            _configurations(shape.member, item, found)


def _status_is_a_member(operation) -> bool:
    output = operation.output_shape
    return output is not None and any(member.serialization.get("location") == "statusCode"
                                      for member in output.members.values())


# Requests that change no function's RevisionId (publishing makes a version; $LATEST stays as it was).
NOT_CHANGES = ("Invoke", "InvokeAsync", "InvokeWithResponseStream", "DeleteFunction", "PublishVersion")


def _note_change(request: AwsRequest, operation) -> None:
    params = request_parameters(operation, request.environ, request.body) or {}
    target = params.get("FunctionName") or params.get("Resource")
    if isinstance(target, str):
        fn = configuration_fields.function_object(request, target)
        if fn is not None:
            configuration_fields.changed(fn)


@finishes("awslambda")
def finish(request: AwsRequest, response: Response) -> Response:
    if request.operation is None:
        return response
    if response[0] >= 400:
        return _shape_error(request, response)
    operation = _model().operation_model(request.operation)
    if request.method != "GET" and response[0] < 300 and request.operation not in NOT_CHANGES:
        _note_change(request, operation)
    # A success answers the model's code (moto: GetAlias 201, CreateEventSourceMapping 201), unless the output
    # carries the status itself (a member bound to the status code: Invoke 200/202/204, DeleteFunction 204).
    status = response[0] if _status_is_a_member(operation) or response[0] >= 300 else \
        operation.http.get("responseCode", 200)
    if operation.output_shape is None or not response[2]:
        return response if status == response[0] else (status, response[1], response[2])
    if operation.output_shape.serialization.get("payload"):
        return response  # a streamed payload (Invoke): nothing to complete
    try:
        document = json.loads(response[2])
    except ValueError:
        return response
    found: list[dict[str, Any]] = []
    _configurations(operation.output_shape, document, found)
    for configuration in found:
        configuration_fields.complete(request, configuration)
    return _with_body(response, document, status)


@screens("awslambda")
def other_region(request: AwsRequest) -> Response | None:
    """AWS answers a function ARN of another region 404 before looking the function up."""
    if request.operation is None:
        return None
    shape = _model().operation_model(request.operation).input_shape
    if shape is None or "FunctionName" not in shape.members:
        return None
    params = request_parameters(_model().operation_model(request.operation), request.environ, request.body) or {}
    name = params.get("FunctionName")
    match = ARN.match(name) if isinstance(name, str) else None
    if match is not None and match.group("region") != request.region:
        return aws_error("lambda", 404, "ResourceNotFoundException",
                         f"Functions from '{match.group('region')}' are not reachable in this region "
                         f"('{request.region}')")
    return None
