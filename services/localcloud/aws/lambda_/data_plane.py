"""Invoke and InvokeAsync: run the function in localcloud.runtime instead of moto's Docker path.

https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (headers, status codes, errors)
"""

from __future__ import annotations

import json
import re
import uuid

from localcloud.aws.registry import handles
from localcloud.runtime import prepare
from localcloud.runtime.functions import FunctionNotFound
from localcloud.runtime.pool import Throttled
from localcloud.runtime.service import InvalidRuntime, PayloadTooLarge, current
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

INVOKE_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/functions/(?P<name>.+?)/(invocations|invoke-async)/?$")
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")


def _headers(request_id: str, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), *extra]


def _throttled(reason: str):
    body = json.dumps({"Reason": reason, "Type": "User", "message": "Rate Exceeded."}).encode()
    return 429, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "TooManyRequestsException"),
                 ("x-amzn-RequestId", str(uuid.uuid4()))], body


def _run(request: AwsRequest, invocation_type: str):
    match = INVOKE_PATH.match(request.path)
    if match is None:
        return None
    name = match.group("name")
    qualifier = request.query.get("Qualifier", [None])[0]
    if invocation_type not in INVOCATION_TYPES:
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         f"Invalid invocation type {invocation_type!r}; use one of {', '.join(INVOCATION_TYPES)}.")
    try:
        result = current().invoke(name, request.body, invocation_type, qualifier, account_id=request.account_id,
                                  region=request.region, log_type=request.header("X-Amz-Log-Type"),
                                  client_context=request.header("X-Amz-Client-Context"))
    except FunctionNotFound as exc:
        return aws_error("lambda", 404, "ResourceNotFoundException", str(exc))
    except Throttled as exc:
        return _throttled(exc.reason)
    except PayloadTooLarge as exc:
        return aws_error("lambda", 413, "RequestEntityTooLargeException",
                         f"Request must be smaller than {exc.args[0]} bytes for the InvokeFunction operation")
    except InvalidRuntime as exc:
        return aws_error("lambda", 502, "InvalidRuntimeException", str(exc))
    except prepare.RuntimeNotPrepared as exc:
        return aws_error("lambda", 500, "ServiceException", str(exc))
    extra = [("X-Amz-Executed-Version", result.executed_version)]
    if result.function_error:
        extra.append(("X-Amz-Function-Error", result.function_error))
    if result.log_result:
        extra.append(("X-Amz-Log-Result", result.log_result))
    return result.status_code, _headers(result.request_id, extra), result.payload


@handles("awslambda", "Invoke")
def invoke(request: AwsRequest):
    return _run(request, request.header("X-Amz-Invocation-Type") or "RequestResponse")


@handles("awslambda", "InvokeAsync")
def invoke_async(request: AwsRequest):
    # The deprecated InvokeAsync answers 202 with {"Status": 202}.
    answer = _run(request, "Event")
    if answer is not None and answer[0] == 202:
        return 202, answer[1], b'{"Status": 202}'
    return answer
