"""The console's pure pieces: the path an execution took (retries, the Catch that fired), graph node ids."""

from __future__ import annotations

from localcloud.console.data.event_graph import node_id
from localcloud.console.data.layout import layered
from localcloud.console.data.stepfunctions import definition_graph, path_taken

DEFINITION = {"StartAt": "Transform", "States": {
    "Transform": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:t", "Next": "Load",
                  "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Alert"}]},
    "Load": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:l", "End": True},
    "Alert": {"Type": "Pass", "Next": "Failed"},
    "Failed": {"Type": "Fail"}}}


def event(kind: str, **details) -> dict:
    key = {"TaskStateEntered": "stateEnteredEventDetails", "PassStateEntered": "stateEnteredEventDetails",
           "FailStateEntered": "stateEnteredEventDetails", "TaskStateExited": "stateExitedEventDetails",
           "PassStateExited": "stateExitedEventDetails", "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails"}
    return {"type": kind, "timestamp": 0, key.get(kind, "details"): details}


def test_a_task_that_failed_three_times_and_was_caught():
    history = [event("TaskStateEntered", name="Transform", input="{}"),
               *[event("LambdaFunctionFailed", error="Boom", cause="bad parquet") for _ in range(3)],
               event("TaskStateExited", name="Transform", output='{"error": 1}'),
               event("PassStateEntered", name="Alert", input="{}"), event("PassStateExited", name="Alert", output="{}"),
               event("FailStateEntered", name="Failed", input="{}")]
    steps = path_taken(history, DEFINITION)
    assert [s["state"] for s in steps] == ["Transform", "Alert", "Failed"]
    transform = steps[0]
    assert transform["outcome"] == "caught" and transform["retries"] == 2
    assert transform["caught_by"]["Next"] == "Alert" and transform["failures"][0]["error"] == "Boom"


def test_a_task_that_failed_once_then_succeeded_counts_one_retry():
    history = [event("TaskStateEntered", name="Transform", input="{}"),
               event("LambdaFunctionFailed", error="Boom", cause=""),
               event("TaskStateExited", name="Transform", output="{}"),
               event("TaskStateEntered", name="Load", input="{}"), event("TaskStateExited", name="Load", output="{}")]
    steps = path_taken(history, DEFINITION)
    assert [(s["state"], s["outcome"], s["retries"]) for s in steps] == [("Transform", "succeeded", 1),
                                                                          ("Load", "succeeded", 0)]


def test_the_definition_graph_has_every_transition_and_positions():
    nodes, edges = definition_graph(DEFINITION)
    pairs = {(e["source"], e["target"], e["kind"]) for e in edges}
    assert {("Start", "Transform", "next"), ("Transform", "Load", "next"), ("Transform", "Alert", "catch"),
            ("Load", "End", "end")} <= pairs
    assert ("Failed", "End", "end") not in pairs  # a Fail state ends the run itself
    laid = layered(nodes, edges)
    x = {n["id"]: n["x"] for n in laid["nodes"]}
    assert x["Start"] < x["Transform"] < x["Load"] < x["End"]


def test_trace_endpoints_and_configured_arns_name_the_same_node():
    function = "arn:aws:lambda:us-east-1:123456789012:function:csv"
    assert node_id(function + ":$LATEST") == function
    assert node_id("s3:uploads/data/x.csv") == "arn:aws:s3:::uploads"
    assert node_id("kinesis:arn:aws:kinesis:us-east-1:123456789012:stream/orders") == \
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
    assert node_id("arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024") == \
        "arn:aws:dynamodb:us-east-1:123456789012:table/T"
    assert node_id("email:someone@example.com") == "mailbox:someone@example.com"
