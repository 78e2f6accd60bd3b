"""GetAccountSettings: the account's Lambda quotas and what its functions use of them.

https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html and the default quotas in
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (storage for functions and layers
75 GB, deployment package 50 MB zipped / 250 MB unzipped, 1,000 concurrent executions per Region).
UnreservedConcurrentExecutions is the concurrency left after every function's reserved concurrency. moto
has no such operation (it answered NotImplemented), and tools read it before setting reserved concurrency.
"""

from __future__ import annotations

from localcloud.aws.registry import handles, json_response, screens
from localcloud.moto_adapter import lambda_backends
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

TOTAL_CODE_SIZE = 75 * 1024 ** 3
CODE_SIZE_ZIPPED = 50 * 1024 ** 2
CODE_SIZE_UNZIPPED = 250 * 1024 ** 2
CONCURRENT_EXECUTIONS = 1000


@handles("awslambda", "GetAccountSettings")
def get_account_settings(request: AwsRequest):
    functions = list(lambda_backends[request.account_id][request.region].list_functions())
    reserved = sum(int(getattr(fn, "reserved_concurrency", None) or 0) for fn in functions)
    code_size = sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions)
    return json_response({
        "AccountLimit": {"TotalCodeSize": TOTAL_CODE_SIZE, "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                         "CodeSizeZipped": CODE_SIZE_ZIPPED, "ConcurrentExecutions": CONCURRENT_EXECUTIONS,
                         "UnreservedConcurrentExecutions": CONCURRENT_EXECUTIONS - reserved},
        "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
    })


MINIMUM_UNRESERVED = 100  # "Lambda keeps 100 units of concurrency unreserved" (lambda-concurrency.html)
BELOW_MINIMUM = ("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution "
                 "below its minimum value of [{minimum}].")


@screens("awslambda")
def reserve_within_the_account(request: AwsRequest):
    """PutFunctionConcurrency may not leave the account fewer than 100 unreserved executions
    (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): InvalidParameterValueException.
    moto reserved any number."""
    if request.operation != "PutFunctionConcurrency":
        return None
    try:
        wanted = int(request.json().get("ReservedConcurrentExecutions"))
    except (TypeError, ValueError):
        return None
    name = request.path.rstrip("/").split("/")[-2]
    backend = lambda_backends[request.account_id][request.region]
    try:
        target = backend.get_function(name)
    except Exception:  # noqa: BLE001  (not found: moto answers, as AWS)
        return None
    others = sum(int(getattr(fn, "reserved_concurrency", None) or 0) for fn in backend.list_functions()
                 if fn.function_arn != target.function_arn)
    if CONCURRENT_EXECUTIONS - others - wanted < MINIMUM_UNRESERVED:
        return aws_error("lambda", 400, "InvalidParameterValueException", BELOW_MINIMUM.format(minimum=MINIMUM_UNRESERVED))
    return None
