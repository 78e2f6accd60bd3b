"""A function's State as every read reports it: CreateFunction, UpdateFunctionConfiguration, GetFunction and
GetFunctionConfiguration agree, and a Failed or Inactive state carries StateReason and StateReasonCode.

moto returns its `state` attribute alone; a state set to Failed or Inactive elsewhere (a snapshot from an
older localcloud marked non-Python functions Failed) read back with no reason, which Terraform printed as
"last error: :". AWS: https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
"""

from __future__ import annotations

from typing import Any

REASON_ATTR = "localcloud_state_reason"  # (reason, code) kept on moto's function object
UNEXPLAINED = {
    "Failed": (("The function could not be prepared for invocation; localcloud recorded no cause. Update its "
                "code or configuration to prepare it again."), "InternalError"),
    "Inactive": (("The function was idle and its resources were reclaimed; the next invocation prepares it "
                  "again."), "Idle"),
}


def with_state_reason(fn: Any, configuration: dict[str, Any]) -> None:
    if getattr(fn, "state", "Active") == "Failed" and getattr(fn, REASON_ATTR, None) is None:
        fn.state = "Active"  # only the old non-Python rule put functions there; they run now (launchers.py)
    state = getattr(fn, "state", None) or configuration.get("State") or "Active"
    configuration["State"] = state
    if state in UNEXPLAINED:
        reason, code = getattr(fn, REASON_ATTR, None) or UNEXPLAINED[state]
        configuration["StateReason"], configuration["StateReasonCode"] = reason, code
    else:
        configuration.pop("StateReason", None)
        configuration.pop("StateReasonCode", None)
