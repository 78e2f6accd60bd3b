"""AddPermission, GetPolicy and RemovePermission refuse and answer as AWS does (moto's answers differ).

https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html:
- Qualifier $LATEST (given, or derived from the function name): "We currently do not support adding
  policies for $LATEST." (a policy applies to the function, a version or an alias; not to $LATEST alone).
- Principal: an AWS service ("s3.amazonaws.com"), an account ID, an ARN, or "*"; anything else is "The
  provided principal was invalid. Please check the principal and try again." (moto stored it as given).
- A statement ID already in the policy: 409 ResourceConflictException (moto added a second statement).
- A qualifier naming no alias: 404 "Cannot find alias arn: ARN:QUALIFIER" (a missing version keeps moto's
  "Function not found: ARN:VERSION", AWS's words too).
- GetPolicy of a function or version that does not exist, or has no policy: 404 "The resource you requested does not exist.";
  RemovePermission of a missing function: "No policy found for: ARN", of one without a policy: "No policy is
  associated with the given resource."
Runs after function_names (the name's qualifier is the Qualifier by then).
"""

from __future__ import annotations

import re

from localcloud.aws.lambda_.responses import _model
from localcloud.aws.registry import screens
from localcloud.server.errors import aws_error
from localcloud.server.input_validation import request_parameters
from localcloud.server.requests import AwsRequest

PRINCIPAL = re.compile(r"^(\*|\d{12}|arn:[^:]+:.+|[a-z0-9.-]+\.amazonaws\.com(\.cn)?|[a-z0-9.-]+\.amazon\.com)$")


POLICY_OPERATIONS = ("AddPermission", "GetPolicy", "RemovePermission")


def _function(request: AwsRequest, name: str, qualifier: str | None = None):
    from localcloud.moto_adapter import lambda_backends

    try:
        return lambda_backends[request.account_id][request.region].get_function(name, qualifier)
    except Exception:  # noqa: BLE001  (moto's not-found exceptions)
        return None


# An alias name (botocore lambda Alias pattern: not all digits); any other qualifier names a version.
ALIAS_NAME = re.compile(r"^(?!\d+$)[a-zA-Z0-9-_]+$")


def _own_statements(target, qualifier: str | None) -> list:
    """The statements of the function, version or alias itself: moto copies $LATEST's statements into a version
    it publishes, where AWS starts the version without a policy."""
    statements = list(target.policy.statements)
    if qualifier:
        statements = [s for s in statements if str(s.get("Resource", "")).endswith(f":{qualifier}")]
    return statements


def _missing_alias(request: AwsRequest, fn, name: str, qualifier: str | None):
    if qualifier and ALIAS_NAME.match(qualifier) and _function(request, name, qualifier) is None:
        return aws_error("lambda", 404, "ResourceNotFoundException",
                         f"Cannot find alias arn: {fn.function_arn}:{qualifier}")
    return None


@screens("awslambda")
def policy_answers(request: AwsRequest):
    if request.operation not in POLICY_OPERATIONS:
        return None
    params = request_parameters(_model().operation_model(request.operation), request.environ, request.body) or {}
    name, qualifier = params.get("FunctionName"), params.get("Qualifier")
    if not isinstance(name, str):
        return None
    if request.operation == "AddPermission":
        return refuse_permission(request, params, name, qualifier)
    fn = _function(request, name)
    if request.operation == "GetPolicy":  # a version has its own policy: none until one is added to it
        target = _function(request, name, qualifier) if fn is not None and qualifier else fn
        if not (_own_statements(target, qualifier) if target is not None else []):
            return aws_error("lambda", 404, "ResourceNotFoundException", "The resource you requested does not exist.")
        return None
    if fn is None:
        return aws_error("lambda", 404, "ResourceNotFoundException",
                         f"No policy found for: arn:aws:lambda:{request.region}:{request.account_id}:function:{name}")
    refused = _missing_alias(request, fn, name, qualifier)
    if refused is not None:
        return refused
    target = _function(request, name, qualifier) if qualifier else fn
    if target is not None and not target.policy.statements:
        return aws_error("lambda", 404, "ResourceNotFoundException", "No policy is associated with the given resource.")
    return None


def refuse_permission(request: AwsRequest, params: dict, name: str, qualifier: str | None):
    if params.get("Qualifier") == "$LATEST":
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         "We currently do not support adding policies for $LATEST.")
    principal = params.get("Principal")
    if isinstance(principal, str) and not PRINCIPAL.match(principal):
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         "The provided principal was invalid. Please check the principal and try again.")
    fn = _function(request, name)
    if fn is None:
        return None  # moto: "Function not found: ARN", as AWS
    refused = _missing_alias(request, fn, name, qualifier)
    if refused is not None:
        return refused
    target = _function(request, name, qualifier) if qualifier else fn
    sid = params.get("StatementId")
    if target is not None and any(statement.get("Sid") == sid for statement in _own_statements(target, qualifier)):
        return aws_error("lambda", 409, "ResourceConflictException",
                         f"The statement id ({sid}) provided already exists. Please provide a new statement id, or "
                         "remove the existing statement.")
    return None
