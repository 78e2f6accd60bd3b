"""DeleteFunction with a qualifier, and a second function URL, as AWS answers them.

- DeleteFunction Qualifier: "You can delete only a version" (API_DeleteFunction.html). A qualifier that is
  not a version number is an alias: InvalidParameterValueException "Deletion of aliases is not currently
  supported." A version number the function does not have is deleted already: 204, as AWS answers (the call
  is idempotent), where moto said the function was not found.
- CreateFunctionUrlConfig for a function that has one: 409 ResourceConflictException (moto replaced it).
"""

from __future__ import annotations

from localcloud.aws.lambda_.responses import _model
from localcloud.aws.registry import screens
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
        if _function(request, name) is not None and _function(request, name, qualifier) is None:
            return 204, [("Content-Length", "0")], b""
        return None
    fn = _function(request, name)
    if qualifier is None and fn is not None and getattr(fn, "url_config", None) is not None:
        return aws_error("lambda", 409, "ResourceConflictException",
                         f"Failed to create function url config for [functionArn = {fn.function_arn}]. Error message:  "
                         "FunctionUrlConfig exists for this Lambda function")
    return None
