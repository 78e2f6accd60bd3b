"""Runtimes AWS no longer lets a function be created or updated with.

https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated ("Block function
create" and "Block function update" dates). Only runtimes whose block dates have passed and were not
extended are listed: a runtime AWS still accepts must not be refused here. CreateFunction and
UpdateFunctionConfiguration answer InvalidParameterValueException, as AWS does.
"""

from __future__ import annotations

from functools import lru_cache

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
# In the model's enum but not (yet) a runtime a function can be created with.
NOT_YET_RUNTIMES = frozenset({"custom"})


@lru_cache(maxsize=None)
def creatable_runtimes() -> tuple[str, ...]:
    """The runtimes AWS accepts in CreateFunction: the model's Runtime enum without the blocked ones. An unknown
    runtime is the service's InvalidParameterValueException ("Value PYTHON3.9 at 'runtime' failed to satisfy
    constraint: Member must satisfy enum value set: [...] or be a valid ARN"), not the front end's
    ValidationException; the list is in the model's order (AWS's own order is its service's, not documented)."""
    import botocore.session

    enum = botocore.session.get_session().get_service_model("lambda").shape_for("Runtime").enum
    return tuple(r for r in enum if r not in BLOCKED and r not in NOT_YET_RUNTIMES)


@screens("awslambda")
def blocked_runtime(request: AwsRequest):
    if request.operation not in CHECKED_OPERATIONS:
        return None
    try:
        runtime = request.json().get("Runtime")
    except ValueError:
        return None
    if isinstance(runtime, str) and runtime not in creatable_runtimes() and runtime not in BLOCKED:
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum "
                         f"value set: [{', '.join(creatable_runtimes())}] or be a valid ARN")
    if runtime in BLOCKED:
        return aws_error("lambda", 400, "InvalidParameterValueException",
                         f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
                         "Lambda functions. We recommend you use a supported runtime while creating or updating "
                         "functions.")
    return None
