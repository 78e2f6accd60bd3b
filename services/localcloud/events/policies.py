"""May a service principal (s3.amazonaws.com, sns.amazonaws.com, ...) act on a resource? Its policy decides.

Evaluated by the IAM evaluator (localcloud.iam.evaluator) as AWS evaluates a service principal's call: the
resource-based policy must allow that service (or "*") the action, no statement may deny it, and the
conditions see what AWS sets for a service acting on behalf of a source: aws:SourceArn, aws:SourceAccount
(and not aws:SourceOwner, which SNS's default topic policy tests: that policy lets the owner account
publish, not another service).
"""

from __future__ import annotations

from typing import Any

from localcloud.iam.evaluator import Subject, evaluate
from localcloud.iam.policy import Caller, compile_policy


def allows(policy: Any, service: str, action: str, source_arn: str, source_account: str,
           resource: str = "*") -> bool:
    """True if `policy` (dict or JSON text) lets `service` call `action` on `resource` for `source_arn`."""
    if not policy:
        return False
    compiled = compile_policy(policy, "resource policy", "resource")
    subject = Subject(Caller(frozenset(), source_account, service=service))
    context = {"aws:sourcearn": [source_arn], "aws:sourceaccount": [source_account],
               "aws:principalservicename": [service]}
    target = resource if resource != "*" else _any_resource(compiled)
    return evaluate(subject, action, target, context, compiled).allowed


def _any_resource(policy: Any) -> str:
    """Without the resource's ARN, one its own statements name (the policy is attached to that resource)."""
    for statement in policy.statements:
        for pattern in statement.resources or []:
            if "*" not in pattern and "?" not in pattern:
                return pattern
    return "*"


def target_exists(arn: str) -> bool:
    """Whether the Lambda function, SQS queue or SNS topic an ARN names exists: a delivery to one that does
    not fails as ResourceNotFound (the delivery layer says so), not as a permission problem."""
    from localcloud import moto_adapter

    parts = arn.split(":", 6)
    if len(parts) < 6:
        return False
    service, region, account = parts[2], parts[3], parts[4]
    try:
        if service == "lambda":
            moto_adapter.lambda_backends[account][region].get_function(parts[6].split(":")[0] if len(parts) > 6
                                                                        else parts[5])
            return True
        if service == "sqs":
            return parts[5] in moto_adapter.sqs_backends[account][region].queues
        if service == "sns":
            return arn in moto_adapter.sns_backends[account][region].topics
    except Exception:  # noqa: BLE001  moto's not-found errors
        return False
    return True
