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
