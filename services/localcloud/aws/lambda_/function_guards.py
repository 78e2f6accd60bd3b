"""DeleteFunction with a qualifier, and a second function URL, as AWS answers them.

- DeleteFunction Qualifier: "You can delete only a version" (API_DeleteFunction.html). A qualifier that is
  not a version number is an alias: InvalidParameterValueException "Deletion of aliases is not currently
  supported." A version number the function does not have is deleted already: 204, as AWS answers (the call
  is idempotent), where moto said the function was not found; a version of a missing function is
  "Function not found: <function ARN>" (without the version).
- CreateFunctionUrlConfig for a function that has one: 409 ResourceConflictException (moto replaced it).
- Function URL answers: InvokeMode in the model's spelling (see url_config_invoke_mode).
"""

from __future__ import annotations

import json

from localcloud.aws.lambda_.responses import _model
from localcloud.aws.registry import finishes, screens
from localcloud.server.errors import aws_error
from localcloud.server.input_validation import request_parameters
from localcloud.server.requests import AwsRequest


def _function(request: AwsRequest, name: str, qualifier: str | None = None):
    from localcloud.moto_adapter import lambda_backends

    try:
        return lambda_backends[request.account_id][request.region].get_function(name, qualifier)
    except Exception:  # noqa: BLE001  (moto's not-found exceptions)
        return None


@screens("awslambda")
def guard(request: AwsRequest):
    if request.operation not in ("DeleteFunction", "CreateFunctionUrlConfig"):
        return None
    params = request_parameters(_model().operation_model(request.operation), request.environ, request.body) or {}
    name, qualifier = params.get("FunctionName"), params.get("Qualifier")
    if not isinstance(name, str):
        return None
    if request.operation == "DeleteFunction":
        if not qualifier or qualifier == "$LATEST":
            return None
        if not qualifier.isdigit():
            return aws_error("lambda", 400, "InvalidParameterValueException",
                             "Deletion of aliases is not currently supported.")
        if _function(request, name) is None:  # AWS names the function, not the version
            return aws_error("lambda", 404, "ResourceNotFoundException",
                             f"Function not found: arn:aws:lambda:{request.region}:{request.account_id}:function:"
                             f"{name.rsplit(':', 1)[-1] if name.startswith('arn:') else name}")
        if _function(request, name, qualifier) is None:
            return 204, [("Content-Length", "0")], b""
        return None
    fn = _function(request, name)
    if qualifier is None and fn is not None and getattr(fn, "url_config", None) is not None:
        return aws_error("lambda", 409, "ResourceConflictException",
                         f"Failed to create function url config for [functionArn = {fn.function_arn}]. Error message:  "
                         "FunctionUrlConfig exists for this Lambda function")
    return None


URL_CONFIG_ANSWERS = ("CreateFunctionUrlConfig", "GetFunctionUrlConfig", "UpdateFunctionUrlConfig")


@finishes("awslambda")
def url_config_invoke_mode(request: AwsRequest, response):
    """InvokeMode is the model's enum (BUFFERED | RESPONSE_STREAM; moto wrote "Buffered"), and Create/Update
    answer it only when the request set it (GetFunctionUrlConfig always does)."""
    if request.operation not in URL_CONFIG_ANSWERS or response[0] >= 300 or not response[2]:
        return response
    try:
        document, sent = json.loads(response[2]), (request.json() if request.body else {})
    except ValueError:
        return response
    if not isinstance(document, dict) or "InvokeMode" not in document:
        return response
    if request.operation != "GetFunctionUrlConfig" and not (isinstance(sent, dict) and sent.get("InvokeMode")):
        document.pop("InvokeMode")
    else:
        document["InvokeMode"] = {"buffered": "BUFFERED", "response_stream": "RESPONSE_STREAM",
                                  "responsestream": "RESPONSE_STREAM"}.get(str(document["InvokeMode"]).lower(),
                                                                           document["InvokeMode"])
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in response[1] if k.lower() != "content-length"]
    return response[0], [*headers, ("Content-Length", str(len(body)))], body
