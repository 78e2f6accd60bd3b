"""What the runtime needs from CreateFunction / UpdateFunctionConfiguration that moto drops.

moto ignores DeadLetterConfig. We keep the dead-letter target on moto's function object (read by
localcloud.runtime.functions). Every function is Active, as on AWS, whatever its runtime: one whose runtime
this machine cannot run (Java, .NET, Ruby) fails at invoke with a Runtime error naming what is missing
(runtime/launchers.py), so Terraform that creates it applies as it does on AWS.
https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
"""

from __future__ import annotations

import json

from localcloud.aws.lambda_ import code_checks, configuration_fields, images
from localcloud.aws.lambda_.states import with_state_reason
from localcloud.aws.registry import handles
from localcloud.moto_adapter import lambda_backends
from localcloud.runtime.functions import DEAD_LETTER_ATTR
from localcloud.server.requests import AwsRequest


def _amend(request: AwsRequest, ok_status: int):
    spec = request.json()
    answer = request.to_moto()
    if answer.status != ok_status:
        return answer.status, answer.headers, answer.body
    document = answer.json()
    name = document.get("FunctionName")
    try:
        fn = lambda_backends[request.account_id][request.region].get_function(name)
    except Exception:  # noqa: BLE001  (deleted meanwhile: answer as moto did)
        return answer.status, answer.headers, answer.body
    configuration_fields.remember(fn, spec)
    if "DeadLetterConfig" in spec:
        setattr(fn, DEAD_LETTER_ATTR, dict(spec["DeadLetterConfig"] or {}))
    dead_letter = getattr(fn, DEAD_LETTER_ATTR, None)
    if dead_letter and dead_letter.get("TargetArn"):
        document["DeadLetterConfig"] = dead_letter
    with_state_reason(fn, document)
    images.reshape_configuration(document)
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    return answer.status, headers, body


@handles("awslambda", "CreateFunction")
def create_function(request: AwsRequest):
    return code_checks.refusal(request, request.json().get("Code")) or _amend(request, 201)


@handles("awslambda", "UpdateFunctionConfiguration")
def update_function_configuration(request: AwsRequest):
    return _amend(request, 200)
