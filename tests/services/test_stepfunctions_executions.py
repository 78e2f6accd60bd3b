"""Step Functions executions on a real server with real Lambda workers, at clock speed 60.

AWS references: step-functions/latest/dg/concepts-error-handling.html (Retry: ErrorEquals, IntervalSeconds,
MaxAttempts, BackoffRate; Catch; States.ALL does not match States.Runtime), .../connect-lambda.html
(lambda:invoke result: ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode; the
function's errorType becomes the error), .../intrinsic-functions.html, .../state-wait.html,
.../connect-to-resource.html#connect-wait-token, apireference/API_StartSyncExecution.html,
apireference/API_HistoryEvent.html.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from support import wait_for

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture(scope="module")
def sfn(orch_cloud):
    return orch_cloud.client("stepfunctions")


def run(sfn, role, definition: dict, payload: object = None, kind: str = "STANDARD"):
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=role, type=kind,
                                       definition=json.dumps(definition))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload or {}))["executionArn"]
    done = wait_for(lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d,
                    what=f"{execution} to finish")
    return done, sfn.get_execution_history(executionArn=execution)["events"]


def test_lambda_invoke_result_shape_and_plain_function_arn(sfn, service_role, orch_functions):
    function = orch_functions.create("def handler(event, context):\n    return {'n': event['n'] + 1}\n")
    done, history = run(sfn, service_role, {"StartAt": "Invoke", "States": {
        "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": function, "Payload.$": "$"}, "ResultPath": "$.raw", "Next": "Plain"},
        "Plain": {"Type": "Task", "Resource": LAMBDA + function, "InputPath": "$.raw.Payload", "End": True}}},
        {"n": 1})
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"n": 3}
    scheduled = next(e for e in history if e["type"] == "TaskSucceeded")
    raw = json.loads(scheduled["taskSucceededEventDetails"]["output"])
    assert set(raw) == {"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}
    assert raw["StatusCode"] == 200 and raw["ExecutedVersion"] == "$LATEST" and raw["Payload"] == {"n": 2}
    types = [e["type"] for e in history]
    assert "LambdaFunctionScheduled" in types and "LambdaFunctionSucceeded" in types


def test_failed_task_is_retried_then_caught(sfn, service_role, orch_functions):
    function = orch_functions.create("class OrderError(Exception):\n    pass\n\n"
                                     "def handler(event, context):\n    raise OrderError('order 7 is broken')\n")
    started = time.monotonic()
    done, history = run(sfn, service_role, {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": function},
                 "Retry": [{"ErrorEquals": ["OrderError"], "IntervalSeconds": 30, "MaxAttempts": 2, "BackoffRate": 2.0}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Recover"}], "End": True},
        "Recover": {"Type": "Pass", "End": True}}}, {"order": 7})
    # Retry back-off: 30 then 60 local seconds = 0.5 + 1 wall seconds at clock speed 60.
    assert 1.4 < time.monotonic() - started < 30  # on the local clock: 90 s unsped
    assert done["status"] == "SUCCEEDED"
    failure = json.loads(done["output"])["failure"]
    assert failure["Error"] == "OrderError"
    cause = json.loads(failure["Cause"])
    assert cause["errorMessage"] == "order 7 is broken" and cause["errorType"] == "OrderError"
    assert [e["type"] for e in history].count("TaskFailed") == 3  # the first try and MaxAttempts=2 retries
    assert [e["type"] for e in history][-3:] == ["PassStateEntered", "PassStateExited", "ExecutionSucceeded"]


def test_uncaught_error_fails_the_execution_with_error_and_cause(sfn, service_role):
    done, history = run(sfn, service_role, {"StartAt": "F", "States": {
        "F": {"Type": "Fail", "Error": "Custom.Failure", "Cause": "because"}}})
    assert done["status"] == "FAILED" and done["error"] == "Custom.Failure" and done["cause"] == "because"
    assert history[-1]["type"] == "ExecutionFailed"


def test_states_all_does_not_catch_states_runtime(sfn, service_role):
    # An InputPath that selects nothing is a States.Runtime error, which no Catch can handle.
    done, _ = run(sfn, service_role, {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.missing.field",
              "Parameters": {"FunctionName": "x"}, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
              "End": True},
        "Caught": {"Type": "Succeed"}}}, {"a": 1})
    assert done["status"] == "FAILED" and done["error"] == "States.Runtime"


def test_task_timeout_is_states_timeout(sfn, service_role, orch_functions):
    function = orch_functions.create("import time\n\ndef handler(event, context):\n    time.sleep(5)\n", Timeout=10)
    done, history = run(sfn, service_role, {"StartAt": "Slow", "States": {
        "Slow": {"Type": "Task", "Resource": LAMBDA + function, "TimeoutSeconds": 1, "End": True}}})
    assert done["status"] == "FAILED" and done["error"] == "States.Timeout"
    assert "TaskTimedOut" in [e["type"] for e in history] or "LambdaFunctionTimedOut" in [e["type"] for e in history]


def test_choice_map_parallel_and_paths(sfn, service_role):
    done, history = run(sfn, service_role, {"StartAt": "Fan", "States": {
        "Fan": {"Type": "Map", "ItemsPath": "$.orders", "MaxConcurrency": 2,
                "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "index.$": "$$.Map.Item.Index", "tax.$": "$.tax"},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Price", "States": {
                    "Price": {"Type": "Pass", "Parameters": {"id.$": "$.id", "at.$": "$.index"}, "End": True}}},
                "ResultPath": "$.priced", "Next": "Both"},
        "Both": {"Type": "Parallel", "ResultSelector": {"left.$": "$[0]", "right.$": "$[1]"}, "ResultPath": "$.par",
                 "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Pass", "Result": "l", "End": True}}},
                              {"StartAt": "R", "States": {"R": {"Type": "Pass", "Result": "r", "End": True}}}],
                 "Next": "Decide"},
        "Decide": {"Type": "Choice", "Choices": [
            {"And": [{"Variable": "$.tax", "NumericGreaterThan": 0.1}, {"Variable": "$.par.left", "StringEquals": "l"}],
             "Next": "High"}], "Default": "Low"},
        "High": {"Type": "Pass", "OutputPath": "$.priced", "End": True},
        "Low": {"Type": "Fail", "Error": "Low"}}}, {"orders": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "tax": 0.2})
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == [{"id": "a", "at": 0}, {"id": "b", "at": 1}, {"id": "c", "at": 2}]
    types = [e["type"] for e in history]
    for expected in ("MapStateEntered", "MapStateStarted", "MapIterationStarted", "MapIterationSucceeded",
                     "MapStateSucceeded", "ParallelStateEntered", "ParallelStateSucceeded", "ChoiceStateEntered",
                     "ChoiceStateExited", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"):
        assert expected in types, expected


def test_intrinsic_functions(sfn, service_role):
    parameters = {
        "format.$": "States.Format('Hello {}, {}', $.name, $.n)",
        "parsed.$": "States.StringToJson($.json)", "text.$": "States.JsonToString($.obj)",
        "array.$": "States.Array(1, 'two', $.n)", "parts.$": "States.ArrayPartition($.list, 2)",
        "contains.$": "States.ArrayContains($.list, 3)", "range.$": "States.ArrayRange(1, 9, 4)",
        "item.$": "States.ArrayGetItem($.list, 1)", "length.$": "States.ArrayLength($.list)",
        "unique.$": "States.ArrayUnique($.dupes)", "b64.$": "States.Base64Encode($.name)",
        "decoded.$": "States.Base64Decode('aGk=')", "hash.$": "States.Hash($.name, 'SHA-256')",
        "merged.$": "States.JsonMerge($.obj, $.more, false)", "random.$": "States.MathRandom(1, 3)",
        "sum.$": "States.MathAdd($.n, 5)", "split.$": "States.StringSplit('a,b,c', ',')", "uuid.$": "States.UUID()"}
    done, _ = run(sfn, service_role, {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": parameters,
                                                                       "End": True}}},
                  {"name": "Ada", "n": 2, "json": '{"k": 1}', "obj": {"a": 1}, "more": {"b": 2},
                   "list": [1, 2, 3, 4, 5], "dupes": [1, 1, 2]})
    out = json.loads(done["output"])
    assert out["format"] == "Hello Ada, 2" and out["parsed"] == {"k": 1} and json.loads(out["text"]) == {"a": 1}
    assert out["array"] == [1, "two", 2] and out["parts"] == [[1, 2], [3, 4], [5]] and out["contains"] is True
    assert out["range"] == [1, 5, 9] and out["item"] == 2 and out["length"] == 5 and out["unique"] == [1, 2]
    assert out["b64"] == "QWRh" and out["decoded"] == "hi"
    assert out["hash"] == hashlib.sha256(b"Ada").hexdigest() and out["merged"] == {"a": 1, "b": 2} and 1 <= out["random"] <= 3
    assert out["sum"] == 7 and out["split"] == ["a", "b", "c"] and len(out["uuid"]) == 36


def test_wait_states_run_on_the_local_clock(sfn, service_role):
    started = time.monotonic()
    done, history = run(sfn, service_role, {"StartAt": "Seconds", "States": {
        "Seconds": {"Type": "Wait", "Seconds": 60, "Next": "Path"},
        "Path": {"Type": "Wait", "SecondsPath": "$.delay", "End": True}}}, {"delay": 60})
    elapsed = time.monotonic() - started
    assert done["status"] == "SUCCEEDED" and 1.8 < elapsed < 30  # two local minutes, about two wall seconds
    assert [e["type"] for e in history].count("WaitStateEntered") == 2


def test_stop_execution_aborts(sfn, service_role):
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=service_role, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 36000, "End": True}}}))["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    sfn.stop_execution(executionArn=execution, error="Operator", cause="stopped by a test")
    assert wait_for(lambda: sfn.describe_execution(executionArn=execution)["status"] == "ABORTED")
    listed = sfn.list_executions(stateMachineArn=machine, statusFilter="ABORTED")["executions"]
    assert [e["executionArn"] for e in listed] == [execution]


def test_history_events_are_numbered_and_linked(sfn, service_role):
    _, history = run(sfn, service_role, {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
                                                                    "B": {"Type": "Succeed"}}})
    assert [e["id"] for e in history] == list(range(1, len(history) + 1))
    assert history[0]["type"] == "ExecutionStarted" and history[0]["previousEventId"] == 0
    # As AWS records it: the first state's entry links to 0 as ExecutionStarted does, the rest to the one before.
    assert history[1]["previousEventId"] == 0
    assert all(e["previousEventId"] == e["id"] - 1 for e in history[2:])
    assert [e["type"] for e in history] == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                                            "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"]


def test_start_sync_execution_for_express_only(orch_cloud, sfn, service_role):
    sync = orch_cloud.client("stepfunctions", inject_host_prefix=False)  # SDKs prefix the host with "sync-"
    express = sfn.create_state_machine(name=f"x-{uuid.uuid4().hex[:8]}", roleArn=service_role, type="EXPRESS",
                                       definition=json.dumps({"StartAt": "P", "States": {
                                           "P": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.v, 1)"},
                                                 "End": True}}}))["stateMachineArn"]
    answer = sync.start_sync_execution(stateMachineArn=express, input='{"v": 1}')
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == {"v": 2}
    assert json.loads(answer["input"]) == {"v": 1}
    assert ":express:" in answer["executionArn"] and answer["billingDetails"]["billedDurationInMilliseconds"] >= 100
    standard = sfn.create_state_machine(name=f"s-{uuid.uuid4().hex[:8]}", roleArn=service_role,
                                        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass",
                                                                                                "End": True}}}))
    with pytest.raises(ClientError) as failure:
        sync.start_sync_execution(stateMachineArn=standard["stateMachineArn"])
    assert failure.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"
