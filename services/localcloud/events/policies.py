"""May a service principal (s3.amazonaws.com, sns.amazonaws.com, ...) act on a resource? Read its policy.

Only what destination validation needs: Allow statements whose principal names the service (or "*")
and whose action covers the call; an aws:SourceArn condition must match the source. Deny statements and
other condition keys are not evaluated (a local cloud is one account; say so rather than guess).
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        if service in _as_list(principal.get("Service", [])):
            return True
        return "*" in _as_list(principal.get("AWS", []))
    return False


def _action_matches(actions: Any, wanted: str) -> bool:
    return any(fnmatch.fnmatch(wanted.lower(), str(a).lower()) for a in _as_list(actions))


def _conditions_allow(condition: dict[str, Any], source_arn: str, source_account: str) -> bool:
    for operator, pairs in (condition or {}).items():
        for key, expected in pairs.items():
            lowered = key.lower()
            values = [str(v) for v in _as_list(expected)]
            if lowered == "aws:sourcearn" and not any(fnmatch.fnmatchcase(source_arn, v) for v in values):
                return False
            if lowered == "aws:sourceaccount" and source_account not in values:
                return False
            if lowered == "aws:sourceowner" and operator.lower().startswith("string"):
                return False  # SNS's default topic policy: the owner account, not a service, may publish
    return True


def allows(policy: Any, service: str, action: str, source_arn: str, source_account: str) -> bool:
    """True if `policy` (dict or JSON text) lets `service` call `action` for `source_arn`."""
    if not policy:
        return False
    document = json.loads(policy) if isinstance(policy, str) else policy
    for statement in _as_list(document.get("Statement", [])):
        if statement.get("Effect") != "Allow":
            continue
        if not _principal_matches(statement.get("Principal"), service):
            continue
        if not _action_matches(statement.get("Action", []), action):
            continue
        if _conditions_allow(statement.get("Condition", {}), source_arn, source_account):
            return True
    return False
