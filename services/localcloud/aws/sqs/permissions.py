"""AddPermission / RemovePermission as AWS answers them (SQS API reference), where moto 5.2.5 differs:

- The policy AddPermission writes on a queue without one has policy language version "2008-10-17", as AWS
  writes it (recorded from AWS); moto wrote "2012-10-17".
- RemovePermission of a label the policy does not have: "Value <label> for parameter Label is invalid.
  Reason: can't find label."
"""

from __future__ import annotations

import functools
from typing import Any

from moto.sqs.exceptions import InvalidParameterValue

_MARK = "__localcloud_sqs_permissions__"
ADD_PERMISSION_POLICY_VERSION = "2008-10-17"


def _add_permission(original: Any) -> Any:
    @functools.wraps(original)
    def add_permission(self: Any, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(kwargs["queue_name"] if "queue_name" in kwargs else args[1])
        had_policy = bool(queue._policy_json.get("Statement"))
        result = original(self, *args, **kwargs)
        if not had_policy:
            queue._policy_json["Version"] = ADD_PERMISSION_POLICY_VERSION
        return result

    setattr(add_permission, _MARK, original)
    return add_permission


def _remove_permission(original: Any) -> Any:
    @functools.wraps(original)
    def remove_permission(self: Any, queue_name: str, label: str) -> Any:
        try:
            return original(self, queue_name, label)
        except InvalidParameterValue:
            raise InvalidParameterValue(
                f"Value {label} for parameter Label is invalid. Reason: can't find label.") from None

    setattr(remove_permission, _MARK, original)
    return remove_permission
