"""Execution operations moto's interpreter lacks, and the in-process start used by EventBridge targets.

StartSyncExecution: https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
(Express only; SDKs send it to the `sync-` host prefix, so clients of a local endpoint need
`Config(inject_host_prefix=False)`, as with LocalStack.)
"""

from __future__ import annotations

import datetime
import json
import time
import uuid
from typing import Any

from localcloud.aws.registry import handles, json_response
from localcloud.aws.stepfunctions import engine
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest

SYNC_LIMIT_SECONDS = 300  # Express executions run at most 5 minutes


def _epoch(moment: datetime.datetime | None) -> float | None:
    return moment.timestamp() if moment else None


def start_execution(state_machine_arn: str, execution_input: str = "{}", *, name: str | None = None,
                    account_id: str, region: str) -> str:
    """Start an execution as StartExecution does; returns its ARN. Raises moto's ResourceNotFound/... errors."""
    execution = engine.backend(account_id, region).start_execution(
        state_machine_arn, name=name or str(uuid.uuid4()), execution_input=execution_input)
    return execution.execution_arn


def _run_sync(request: AwsRequest, params: dict[str, Any]) -> dict[str, Any] | tuple:
    from localcloud.moto_adapter import StateMachineType, SyncExecution

    backend = engine.backend(request.account_id, request.region)
    arn = params.get("stateMachineArn", "")
    try:
        machine = backend.describe_state_machine(arn)
    except Exception:
        return aws_error("stepfunctions", 400, "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    # moto keeps the requested type in `.type` (its `.sm_type` is always STANDARD).
    if getattr(machine, "type", "STANDARD") != StateMachineType.EXPRESS.value:
        return aws_error("stepfunctions", 400, "StateMachineTypeNotSupported",
                         "This operation is not supported by this type of state machine")
    raw_input = params.get("input") or "{}"
    try:
        json.loads(raw_input)
    except ValueError as exc:
        return aws_error("stepfunctions", 400, "InvalidExecutionInput", f"Invalid State Machine Execution Input: {exc}")
    name = params.get("name") or str(uuid.uuid4())
    execution = SyncExecution(
        name=name, sm_type=StateMachineType.EXPRESS, role_arn=machine.roleArn,
        exec_arn=f"arn:aws:states:{request.region}:{request.account_id}:express:{machine.name}:{name}:{uuid.uuid4()}",
        account_id=request.account_id, region_name=request.region, state_machine=machine,
        start_date=datetime.datetime.now(tz=datetime.UTC), cloud_watch_logging_session=None,
        input_data=raw_input, trace_header=None, activity_store={})
    execution.start()
    deadline = time.monotonic() + SYNC_LIMIT_SECONDS
    while execution.sync_execution_status is None and time.monotonic() < deadline:
        execution.exec_worker.env.program_state_event.wait(0.01)
    if execution.sync_execution_status is None:
        execution.exec_worker.stop(datetime.datetime.now(tz=datetime.UTC), "States.Timeout", None)
        time.sleep(0.05)
    output = execution.to_start_sync_execution_output()
    output["startDate"] = _epoch(output.get("startDate"))
    output["stopDate"] = _epoch(output.get("stopDate"))
    output["status"] = str(getattr(output.get("status"), "value", output.get("status") or "TIMED_OUT"))
    output["billingDetails"] = {"billedMemoryUsedInMB": 64,
                                "billedDurationInMilliseconds": max(100, int(
                                    ((output["stopDate"] or 0) - (output["startDate"] or 0)) * 1000))}
    return {k: v for k, v in output.items() if v is not None}


@handles("stepfunctions", "StartSyncExecution")
def start_sync_execution(request: AwsRequest):
    answer = _run_sync(request, request.json())
    return answer if isinstance(answer, tuple) else json_response(answer)


@handles("stepfunctions", "SendTaskFailure")
def send_task_failure(request: AwsRequest):
    # moto's response layer drops `cause`; AWS passes it on as the task's (and maybe the execution's) cause.
    params = request.json()
    try:
        engine.backend(request.account_id, request.region).send_task_failure(
            params.get("taskToken", ""), error=params.get("error"), cause=params.get("cause"))
    except Exception as exc:  # InvalidToken, TaskDoesNotExist, TaskTimedOut: AWS's codes are the class names
        code = type(exc).__name__
        return aws_error("stepfunctions", 400, code, str(exc) or f"{code}: the task token is not (or no longer) valid")
    return json_response({})


@handles("stepfunctions", "StartExecution")
def start_execution_named(request: AwsRequest):
    # AWS names an unnamed execution with a UUID; moto's interpreter backend would name it "None", so a
    # second unnamed start of the same machine failed with ExecutionAlreadyExists.
    params = request.json()
    if params.get("name"):
        return None
    params["name"] = str(uuid.uuid4())
    answer = request.to_moto(json.dumps(params).encode())
    return answer.status, answer.headers, answer.body
