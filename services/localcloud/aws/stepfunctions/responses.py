"""Step Functions answers and refusals in AWS's shape, for every operation.

From https://docs.aws.amazon.com/step-functions/latest/apireference/ (DescribeStateMachine,
UpdateStateMachine, DescribeExecution, ListExecutions, StopExecution, GetExecutionHistory, and Common
Errors) and botocore's stepfunctions service-2.json:
- An ARN member that is not an ARN: InvalidArn "Invalid Arn: 'Invalid ARN prefix: <value>'".
- CreateStateMachine / UpdateStateMachine with a definition that is not valid ASL: InvalidDefinition
  "Invalid State Machine Definition: '<CODE>: <message> at <location>'" (the same checks as
  ValidateStateMachineDefinition), not moto's interpreter exception with no error code.
- StartExecution input that is not JSON: InvalidExecutionInput.
- DescribeStateMachine: encryptionConfiguration only when one was set (AWS_OWNED_KEY is the default and not
  shown), loggingConfiguration with includeExecutionData, revisionId once the machine has been updated;
  UpdateStateMachine answers the revisionId, new only when the update changed something.
- Executions: redriveCount (and, described, redriveStatus / redriveStatusReason, inputDetails/outputDetails);
  StopExecution answers stopDate; history events without empty details; reverseOrder honoured.
"""

from __future__ import annotations

import datetime
import json
import uuid
from functools import lru_cache
from typing import Any

import botocore.session

from localcloud.aws.registry import Response, finishes, screens
from localcloud.aws.stepfunctions.handlers import _diagnostics
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

REVISION_ATTR = "_localcloud_revision_id"
# Members of UpdateStateMachine that change the machine (a new revision) when they differ.
REVISED_MEMBERS = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration",
                   "encryptionConfiguration")
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@lru_cache(maxsize=None)
def _model():
    return botocore.session.get_session().get_service_model("stepfunctions")


@lru_cache(maxsize=None)
def _arn_members(operation: str) -> tuple[str, ...]:
    shape = _model().operation_model(operation).input_shape
    if shape is None:
        return ()
    return tuple(name for name, member in shape.members.items() if member.name == "Arn"
                 or name.endswith("Arn") and member.type_name == "string" and name != "roleArn")


def _params(request: AwsRequest) -> dict[str, Any]:
    try:
        document = request.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


@screens("stepfunctions")
def invalid_arn(request: AwsRequest) -> Response | None:
    if request.operation is None:
        return None
    params = _params(request)
    try:
        members = _arn_members(request.operation)
    except Exception:  # noqa: BLE001  (an operation the model does not know)
        return None
    for name in members:
        value = params.get(name)
        if isinstance(value, str) and not value.startswith("arn:"):
            return aws_error("stepfunctions", 400, "InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {value}'")
    return None


@screens("stepfunctions")
def invalid_definition(request: AwsRequest) -> Response | None:
    if request.operation not in ("CreateStateMachine", "UpdateStateMachine"):
        return None
    definition = _params(request).get("definition")
    if not isinstance(definition, str):
        return None
    problems = [p for p in _diagnostics(definition) if p["severity"] == "ERROR"]
    if not problems:
        return None
    first = problems[0]
    return aws_error("stepfunctions", 400, "InvalidDefinition",
                     f"Invalid State Machine Definition: '{first['code']}: {first['message']} at "
                     f"{first['location'] or '/'}'")


@screens("stepfunctions")
def invalid_input(request: AwsRequest) -> Response | None:
    if request.operation not in ("StartExecution", "StartSyncExecution"):
        return None
    raw = _params(request).get("input")
    if raw is None:
        return None
    if raw == "":
        return aws_error("stepfunctions", 400, "InvalidExecutionInput",
                         "Invalid State Machine Execution Input: 'Invalid execution input.'")
    try:
        json.loads(raw)
    except (TypeError, ValueError) as exc:
        return aws_error("stepfunctions", 400, "InvalidExecutionInput",
                         f"Invalid State Machine Execution Input: '{exc}'")
    return None


def _with_body(response: Response, document: Any) -> Response:
    body = json.dumps(document, default=str).encode()
    headers = [(k, v) for k, v in response[1] if k.lower() != "content-length"]
    return response[0], [*headers, ("Content-Length", str(len(body)))], body


def _machine(request: AwsRequest, arn: str | None):
    from localcloud.aws.stepfunctions import engine

    try:
        return engine.backend(request.account_id, request.region).describe_state_machine(arn)
    except Exception:  # noqa: BLE001
        return None


def _describe_machine(request: AwsRequest, document: dict[str, Any]) -> None:
    if document.get("encryptionConfiguration") == {"type": "AWS_OWNED_KEY"}:
        document.pop("encryptionConfiguration")
    logging = document.get("loggingConfiguration")
    if isinstance(logging, dict):
        logging.setdefault("includeExecutionData", False)
    machine = _machine(request, document.get("stateMachineArn"))
    revision = getattr(machine, REVISION_ATTR, None)
    if revision:
        document["revisionId"] = revision


def _execution(document: dict[str, Any], described: bool) -> None:
    document.setdefault("redriveCount", 0)
    if not described:
        return
    status = document.get("status")
    if status in TERMINAL:
        document.setdefault("redriveStatus", "NOT_REDRIVABLE" if status != "FAILED" else "REDRIVABLE")
        if document["redriveStatus"] == "NOT_REDRIVABLE":
            document.setdefault("redriveStatusReason", f"Execution is {status} and cannot be redriven")
    else:
        document.setdefault("redriveStatus", "NOT_REDRIVABLE")
        document.setdefault("redriveStatusReason", "Execution is RUNNING and cannot be redriven")
    if "input" in document:
        document.setdefault("inputDetails", {"included": True})
    if "output" in document:
        document.setdefault("outputDetails", {"included": True})


def _update(request: AwsRequest, document: dict[str, Any]) -> None:
    machine = _machine(request, _params(request).get("stateMachineArn"))
    if machine is None:
        return
    before = getattr(machine, "_localcloud_last_update", None)
    current = json.dumps([getattr(machine, name, None) for name in REVISED_MEMBERS], sort_keys=True, default=str)
    if getattr(machine, REVISION_ATTR, None) is None or before != current:
        setattr(machine, REVISION_ATTR, str(uuid.uuid4()))
        setattr(machine, "_localcloud_last_update", current)
    document["revisionId"] = getattr(machine, REVISION_ATTR)


def _history(request: AwsRequest, document: dict[str, Any]) -> None:
    events = document.get("events")
    if not isinstance(events, list):
        return
    for event in events:
        for key, value in list(event.items()):
            if key.endswith("EventDetails") and isinstance(value, dict):
                event[key] = {k: v for k, v in value.items() if v not in ("", None)}
    if _params(request).get("reverseOrder") and len(events) > 1 and events[0].get("id", 0) < events[-1].get("id", 0):
        events.reverse()


@finishes("stepfunctions")
def finish(request: AwsRequest, response: Response) -> Response:
    if request.operation is None or response[0] >= 400 or not response[2]:
        return response
    try:
        document = json.loads(response[2])
    except ValueError:
        return response
    if not isinstance(document, dict):
        return response
    operation = request.operation
    if operation in ("DescribeStateMachine", "DescribeStateMachineForExecution"):
        _describe_machine(request, document)
    elif operation == "UpdateStateMachine":
        _update(request, document)
    elif operation == "DescribeExecution":
        _execution(document, described=True)
    elif operation == "ListExecutions":
        for execution in document.get("executions") or []:
            _execution(execution, described=False)
    elif operation == "StopExecution":
        document.setdefault("stopDate", datetime.datetime.now(datetime.timezone.utc).timestamp())
    elif operation == "GetExecutionHistory":
        _history(request, document)
    else:
        return response
    return _with_body(response, document)
