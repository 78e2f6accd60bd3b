"""Policy documents checked as IAM checks them when they are put.

moto's IAM already refuses a malformed document in CreatePolicy, CreatePolicyVersion, Put{Role,User,Group}Policy
and UpdateAssumeRolePolicy with AWS's MalformedPolicyDocument messages ("Syntax errors in policy.", "Policy
document must be version 2012-10-17 or greater.", "Policy statement must contain actions.", ...), with a
validator written against IAM's answers; the policy simulator's inputs are checked with the same one.
"""

from __future__ import annotations

import json
from typing import Any


class InvalidPolicy(ValueError):
    """A document IAM would refuse; the message is IAM's."""


def validate_policy(document: Any, *, resource_based: bool = False) -> None:
    from localcloud.moto_adapter import MalformedPolicyDocument, iam_policy_validator

    text = document if isinstance(document, str) else json.dumps(document)
    if resource_based:
        try:
            parsed = json.loads(text)
        except ValueError:
            raise InvalidPolicy("Syntax errors in policy.") from None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("Statement"), (list, dict)):
            raise InvalidPolicy("Syntax errors in policy.")
        return  # moto's identity-policy validator refuses Principal; IAM checks resource policies in their service
    try:
        iam_policy_validator(text).validate()
    except MalformedPolicyDocument as exc:
        raise InvalidPolicy(getattr(exc, "message", None) or str(exc)) from None
