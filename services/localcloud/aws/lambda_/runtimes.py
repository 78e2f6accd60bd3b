"""Runtimes AWS no longer lets a function be created or updated with.

https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated ("Block function
create" and "Block function update" dates). Only runtimes whose block dates have passed and were not
extended are listed: a runtime AWS still accepts must not be refused here. CreateFunction and
UpdateFunctionConfiguration answer InvalidParameterValueException, as AWS does.
"""

from __future__ import annotations

from localcloud.aws.registry import screens
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

BLOCKED = frozenset({
    "python2.7", "python3.6", "python3.7",
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
    "ruby2.5", "ruby2.7", "go1.x", "provided",
})
CHECKED_OPERATIONS = ("CreateFunction", "UpdateFunctionConfiguration")


@screens("awslambda")
def blocked_runtime(request: AwsRequest):
    if request.operation not in CHECKED_OPERATIONS:
        return None
    try:
        runtime = request.json().get("Runtime")
    except ValueError:
        return None
    if runtime in BLOCKED:
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
                         "Lambda functions. We recommend you use a supported runtime while creating or updating "
                         "functions.")
    return None
