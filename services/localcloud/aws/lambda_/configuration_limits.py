"""Function configurations AWS refuses at CreateFunction / UpdateFunctionConfiguration, beyond the model.

- Environment variables over 4 KB: "The total size of all environment variables doesn't exceed 4 KB"
  (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), measured on the variables as
  compact JSON, and refused with InvalidParameterValueException quoting the string measured.
- Layers: two versions of one layer in a function ("Two different versions of the same layer are not allowed
  to be referenced in the same function. A and B are versions of the same layer."), or a layer version that
  does not exist ("Layer version ARN does not exist."), or one of another region ("Layers are not in the same
  region as the function."), all InvalidParameterValueException; moto attached
  whatever it was given.
- VpcConfig naming security groups or subnets that do not exist: Lambda looks them up in EC2 and answers
  InvalidParameterValueException with EC2's error (security groups first, then subnets), so a function
  wired to a deleted or mistyped security group fails here as it does on AWS rather than at the first
  network call. (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html)
"""

from __future__ import annotations

import json
from typing import Any

from localcloud.aws.registry import screens
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

CHECKED_OPERATIONS = ("CreateFunction", "UpdateFunctionConfiguration")
ENVIRONMENT_LIMIT = 4096  # bytes


def environment_refusal(variables: Any) -> str | None:
    if not isinstance(variables, dict) or not variables:
        return None
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) <= ENVIRONMENT_LIMIT:
        return None
    return ("Lambda was unable to configure your environment variables because the environment variables you have "
            f"provided exceeded the 4KB limit. String measured: {measured}")


def layers_refusal(request: AwsRequest, layers: Any) -> str | None:
    if not isinstance(layers, list):
        return None
    for arn in layers:
        if isinstance(arn, str) and arn.startswith("arn:") and ":layer:" in arn and arn.split(":")[3] != request.region:
            return ("Layers are not in the same region as the function. Layers are expected to be in region "
                    f"{request.region}.")
    seen: dict[str, str] = {}
    for arn in layers:
        if not isinstance(arn, str) or ":layer:" not in arn:
            continue
        layer = arn.rsplit(":", 1)[0]
        if layer in seen:
            return ("Two different versions of the same layer are not allowed to be referenced in the same function. "
                    f"{seen[layer]} and {arn} are versions of the same layer.")
        seen[layer] = arn
    from localcloud.moto_adapter import lambda_backends

    store = lambda_backends[request.account_id][request.region]._layers  # moto's LayerStorage: by name and version
    for arn in layers:
        ours = isinstance(arn, str) and ":layer:" in arn and arn.split(":")[4] == request.account_id
        if ours and store.get_layer_version_by_arn(arn) is None:
            return f"Layer version {arn} does not exist."
    return None


def vpc_refusal(request: AwsRequest, vpc: Any) -> str | None:
    if not isinstance(vpc, dict) or not (vpc.get("SecurityGroupIds") or vpc.get("SubnetIds")):
        return None
    from localcloud.moto_adapter import backend

    ec2 = backend("ec2", request.account_id, request.region)
    for group in vpc.get("SecurityGroupIds") or ():
        if ec2.get_security_group_from_id(group) is None:
            return ("Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
                    f"EC2 Error Message: The security group '{group}' does not exist")
    for subnet in vpc.get("SubnetIds") or ():
        try:
            ec2.get_subnet(subnet)
        except Exception:  # noqa: BLE001  (moto's InvalidSubnetIdError)
            return ("Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
                    f"EC2 Error Message: The subnet ID '{subnet}' does not exist")
    return None


@screens("awslambda")
def refuse_configuration(request: AwsRequest):
    if request.operation not in CHECKED_OPERATIONS:
        return None
    try:
        spec = request.json()
    except ValueError:
        return None
    if not isinstance(spec, dict):
        return None
    environment = spec.get("Environment")
    message = environment_refusal(environment.get("Variables") if isinstance(environment, dict) else None) \
        or layers_refusal(request, spec.get("Layers")) or vpc_refusal(request, spec.get("VpcConfig"))
    if message:
        return aws_error("lambda", 400, "InvalidParameterValueException", message)
    return None
