"""Lambda control-plane reads, as the Terraform provider diffs them.

configuration.py keeps the DeadLetterConfig that CreateFunction/UpdateFunctionConfiguration send; moto's
GetFunction and GetFunctionConfiguration still leave it out, so every plan after an apply wanted to set
it again. AWS returns it in FunctionConfiguration ("DeadLetterConfig: The function's dead letter queue",
botocore lambda service-2.json, shape FunctionConfiguration).
"""

from __future__ import annotations

import json
from typing import Any

from localcloud.aws.lambda_ import images
from localcloud.aws.lambda_.states import with_state_reason
from localcloud.aws.registry import handles
from localcloud.moto_adapter import lambda_backends
from localcloud.runtime.functions import DEAD_LETTER_ATTR
from localcloud.server.requests import AwsRequest


def _with_dead_letter(request: AwsRequest, configuration: dict[str, Any]) -> None:
    images.reshape_configuration(configuration)
    name = configuration.get("FunctionArn") or configuration.get("FunctionName")
    try:
        fn = lambda_backends[request.account_id][request.region].get_function(name)
    except Exception:  # noqa: BLE001  (deleted meanwhile: answer as moto did)
        return
    dead_letter = getattr(fn, DEAD_LETTER_ATTR, None)
    if dead_letter and dead_letter.get("TargetArn"):
        configuration["DeadLetterConfig"] = dict(dead_letter)
    with_state_reason(fn, configuration)


def rewrite(request: AwsRequest, pick) -> Any:
    """moto's answer with the FunctionConfiguration that `pick(document)` finds completed as AWS's."""
    answer = request.to_moto()
    if answer.status != 200:
        return answer.status, answer.headers, answer.body
    document = answer.json()
    images.reshape_code(document)
    configuration = pick(document)
    if isinstance(configuration, dict):
        _with_dead_letter(request, configuration)
    body = json.dumps(document).encode()
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    return answer.status, headers, body


@handles("awslambda", "GetFunction")
def get_function(request: AwsRequest):
    return rewrite(request, lambda document: document.get("Configuration"))


@handles("awslambda", "GetFunctionConfiguration")
def get_function_configuration(request: AwsRequest):
    return rewrite(request, lambda document: document)
