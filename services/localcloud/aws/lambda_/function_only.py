"""Operations on a function itself, never on a version or alias: AWS refuses a qualified ARN for them.

https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html (FunctionName: "The name or
ARN of the Lambda function", unqualified); a qualified one is answered InvalidParameterValueException. moto's
routes do not even match a qualified ARN there, which ended in 501 NotImplemented.
"""

from __future__ import annotations

import re

from localcloud.aws.registry import screens
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

FUNCTION_ONLY = ("PutFunctionConcurrency", "GetFunctionConcurrency", "DeleteFunctionConcurrency")
CONCURRENCY_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/functions/(?P<name>[^/]+)/concurrency/?$")
QUALIFIED_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:\d{12}:function:[^:]+:.+$")
MESSAGE = ("This operation is permitted on Lambda functions only. Aliases and versions do not support this "
           "operation. Please specify either a function name or an unqualified function ARN.")


@screens("awslambda")
def qualified_arn(request: AwsRequest):
    if request.operation not in FUNCTION_ONLY and request.operation is not None:
        return None
    match = CONCURRENCY_PATH.match(request.path)
    if match is None:
        return None
    if QUALIFIED_ARN.match(match.group("name")):
        return aws_error("lambda", 400, "InvalidParameterValueException", MESSAGE)
    return None
