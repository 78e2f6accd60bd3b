"""Step Functions operations moto lacks and the Terraform AWS provider calls on every apply."""

from __future__ import annotations

import json

from localcloud.aws.registry import handles, json_response
from localcloud.server.requests import AwsRequest

VALID_STATE_TYPES = {"Task", "Choice", "Parallel", "Map", "Wait", "Pass", "Succeed", "Fail"}


def _diagnostics(definition: str) -> list[dict[str, str]]:
    """A structural check of an Amazon States Language document, in ValidateStateMachineDefinition's shape."""
    try:
        document = json.loads(definition)
    except json.JSONDecodeError as exc:
        return [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(exc), "location": ""}]
    problems = []
    states = document.get("States") if isinstance(document, dict) else None
    missing = [field for field in ("StartAt", "States") if not isinstance(document, dict) or field not in document]
    if missing:  # AWS's wording: "SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /"
        problems.append({"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                         "message": f"These fields are required: [{', '.join(missing)}]", "location": "/"})
        return problems
    if not isinstance(states, dict) or not states:
        problems.append({"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                         "message": "The definition must have a non-empty 'States' object", "location": "/States"})
        return problems
    if document.get("StartAt") not in states:
        problems.append({"severity": "ERROR", "code": "MISSING_TRANSITION_TARGET",
                         "message": f"StartAt {document.get('StartAt')!r} names no state", "location": "/StartAt"})
    for name, state in states.items():
        kind = state.get("Type") if isinstance(state, dict) else None
        if kind not in VALID_STATE_TYPES:
            problems.append({"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED",
                             "message": f"State {name!r} has an unknown Type {kind!r}",
                             "location": f"/States/{name}/Type"})
        elif state.get("Next") is not None and state["Next"] not in states:
            problems.append({"severity": "ERROR", "code": "MISSING_TRANSITION_TARGET",
                             "message": f"State {name!r} goes Next to {state['Next']!r}, which does not exist",
                             "location": f"/States/{name}/Next"})
    return problems


@handles("stepfunctions", "ValidateStateMachineDefinition")
def validate_state_machine_definition(request: AwsRequest):
    diagnostics = _diagnostics(request.json().get("definition", ""))
    return json_response({"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics,
                          "truncated": False})


@handles("stepfunctions", "ListStateMachineVersions")
def list_state_machine_versions(request: AwsRequest):
    # moto keeps no published versions; an unpublished machine has none, which is what AWS answers too.
    return json_response({"stateMachineVersions": []})
