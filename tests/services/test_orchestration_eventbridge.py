"""EventBridge rules and Scheduler schedules on a real server: patterns via PutEvents, input shaping,
scheduled events, firing on demand, retries and the DLQ.

AWS references: eb-event-patterns.html / eb-create-pattern-operators.html (pattern syntax),
eb-transform-target-input.html (InputTransformer), eb-run-lambda-schedule.html (scheduled event shape),
eb-rule-event-delivery.html (retries, DLQ attributes), scheduler/latest/UserGuide/schedule-types.html.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from support import allow_invoke, allow_queue, deliveries, fire, receive, wait_for


@pytest.fixture
def queue(orch_cloud):
    sqs = orch_cloud.client("sqs")
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # Any rule of the account may send to it (as target or DLQ): EventBridge delivers under the queue policy.
    allow_queue(sqs, url, "events.amazonaws.com", "arn:aws:events:us-east-1:123456789012:rule/*")
    return sqs, url, arn


def _rule(events, pattern: dict, target: dict) -> str:
    name = f"r-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=name, Targets=[{"Id": "t1", **target}])
    return name


def _not_matched(cloud, rule: str, answer: dict) -> list[int]:
    """Positions of the PutEvents entries the rule decided not to deliver (the trace's `filtered` entries)."""
    filtered = " ".join(d["detail"] for d in deliveries(cloud, f":rule/{rule}") if d["result"] == "filtered")
    return [n for n, entry in enumerate(answer["Entries"]) if f"event {entry['EventId']} " in filtered]


def test_put_events_delivers_only_matching_events_to_sqs(orch_cloud, queue):
    sqs, url, arn = queue
    events = orch_cloud.client("events")
    tag = uuid.uuid4().hex
    rule = _rule(events, {"source": [tag], "detail": {"amount": [{"numeric": [">", 100]}],
                                               "kind": [{"prefix": "ord"}, {"equals-ignore-case": "REFUND"}],
                                               "note": [{"exists": False}]}}, {"Arn": arn})
    entries = [
        {"Source": tag, "DetailType": "t", "Detail": json.dumps({"amount": 150, "kind": "order", "n": 1})},
        {"Source": tag, "DetailType": "t", "Detail": json.dumps({"amount": 50, "kind": "order", "n": 2})},
        {"Source": tag, "DetailType": "t", "Detail": json.dumps({"amount": 500, "kind": "refund", "n": 3})},
        {"Source": tag, "DetailType": "t", "Detail": json.dumps({"amount": 500, "kind": "x", "n": 4})},
        {"Source": tag, "DetailType": "t", "Detail": json.dumps({"amount": 500, "kind": "order", "note": 1, "n": 5})},
        {"Source": "other", "DetailType": "t", "Detail": json.dumps({"amount": 500, "kind": "order", "n": 6})},
    ]
    answer = events.put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 0 and all("EventId" in e for e in answer["Entries"])
    assert _not_matched(orch_cloud, rule, answer) == [1, 3, 4, 5]  # decided in PutEvents, before it answers
    messages = receive(sqs, url, 2)
    bodies = [json.loads(m["Body"]) for m in messages]
    assert sorted(b["detail"]["n"] for b in bodies) == [1, 3]
    event = bodies[0]
    assert set(event) >= {"version", "id", "detail-type", "source", "account", "time", "region", "resources",
                          "detail"}
    assert event["version"] == "0" and event["account"] == "123456789012" and event["time"].endswith("Z")


def test_wildcard_suffix_anything_but_and_or(orch_cloud, queue):
    sqs, url, arn = queue
    events = orch_cloud.client("events")
    tag = uuid.uuid4().hex
    rule = _rule(events, {"source": [tag], "$or": [
        {"detail": {"key": [{"wildcard": "raw/*.csv"}]}},
        {"detail": {"key": [{"suffix": ".parquet"}], "state": [{"anything-but": ["DELETED"]}]}}]}, {"Arn": arn})
    details = [{"key": "raw/a/b.csv", "n": 1}, {"key": "raw/a.json", "n": 2},
               {"key": "x.parquet", "state": "NEW", "n": 3}, {"key": "x.parquet", "state": "DELETED", "n": 4}]
    answer = events.put_events(Entries=[{"Source": tag, "DetailType": "t", "Detail": json.dumps(d)} for d in details])
    assert _not_matched(orch_cloud, rule, answer) == [1, 3]  # n=2 and n=4
    messages = receive(sqs, url, 2)
    assert sorted(json.loads(m["Body"])["detail"]["n"] for m in messages) == [1, 3]


def test_input_transformer_fills_placeholders_as_json_and_inside_strings(orch_cloud, queue):
    sqs, url, arn = queue
    events = orch_cloud.client("events")
    tag = uuid.uuid4().hex
    _rule(events, {"source": [tag]}, {"Arn": arn, "InputTransformer": {
        "InputPathsMap": {"bucket": "$.detail.bucket", "size": "$.detail.size", "tags": "$.detail.tags"},
        "InputTemplate": '{"where": "s3://<bucket>/", "size": <size>, "tags": <tags>, "rule": "<aws.events.rule-name>"}'}})
    events.put_events(Entries=[{"Source": tag, "DetailType": "t",
                                "Detail": json.dumps({"bucket": "raw", "size": 42, "tags": ["a"]})}])
    body = json.loads(receive(sqs, url)[0]["Body"])
    assert body["where"] == "s3://raw/" and body["size"] == 42 and body["tags"] == ["a"]
    assert body["rule"].startswith("r-")


def test_input_path_and_constant_input(orch_cloud, queue):
    sqs, url, arn = queue
    events = orch_cloud.client("events")
    tag = uuid.uuid4().hex
    name = f"r-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [tag]}))
    events.put_targets(Rule=name, Targets=[{"Id": "a", "Arn": arn, "InputPath": "$.detail.inner"},
                                           {"Id": "b", "Arn": arn, "Input": '{"fixed": true}'}])
    events.put_events(Entries=[{"Source": tag, "DetailType": "t", "Detail": json.dumps({"inner": {"x": 1}})}])
    bodies = sorted((m["Body"] for m in receive(sqs, url, 2)), key=len)
    assert [json.loads(b) for b in bodies] == [{"x": 1}, {"fixed": True}]


def test_put_events_reports_malformed_entries(orch_cloud):
    events = orch_cloud.client("events")
    answer = events.put_events(Entries=[{"Source": "s", "DetailType": "t", "Detail": "not json"},
                                        {"Source": "s", "DetailType": "t", "Detail": "{}"}])
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == "MalformedDetail" and "EventId" in answer["Entries"][1]


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(5 minute)", "cron(0 12 * * *)",
                                        "cron(0 12 * * ? *) x", "cron(0 12 1 * MON *)"])
def test_put_rule_rejects_invalid_schedule_expressions(orch_cloud, expression):
    with pytest.raises(ClientError) as failure:
        orch_cloud.client("events").put_rule(Name=f"bad-{uuid.uuid4().hex[:6]}", ScheduleExpression=expression)
    assert failure.value.response["Error"]["Code"] == "ValidationException"
    assert failure.value.response["Error"]["Message"] == "Parameter ScheduleExpression is not valid."


def test_fired_schedule_rule_starts_a_step_functions_execution_with_the_target_role(orch_cloud, service_role):
    events, sfn = orch_cloud.client("events"), orch_cloud.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:8]}", roleArn=service_role, definition=json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    name = f"nightly-{uuid.uuid4().hex[:8]}"
    rule_arn = events.put_rule(Name=name, ScheduleExpression="cron(0 3 * * ? *)")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "sfn", "Arn": machine, "RoleArn": service_role}])
    status, document = fire(orch_cloud, name)
    assert status == 200 and document["fired"][0]["targets"] == 1
    executions = wait_for(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])
    done = wait_for(lambda: (d := sfn.describe_execution(executionArn=executions[0]["executionArn"]))["status"]
                    == "SUCCEEDED" and d)
    event = json.loads(done["output"])
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == [rule_arn] and event["detail"] == {} and event["version"] == "0"
    assert any(service_role in d["detail"] for d in deliveries(orch_cloud, name))


def test_step_functions_target_without_role_goes_to_the_dlq(orch_cloud, queue):
    sqs, url, dlq_arn = queue
    events = orch_cloud.client("events")
    name = f"norole-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, ScheduleExpression="rate(1 day)")
    missing = "arn:aws:iam::123456789012:role/does-not-exist"
    machine = "arn:aws:states:us-east-1:123456789012:stateMachine:absent"
    events.put_targets(Rule=name, Targets=[{"Id": "sfn", "Arn": machine, "RoleArn": missing,
                                            "DeadLetterConfig": {"Arn": dlq_arn}}])
    assert fire(orch_cloud, name)[0] == 200
    message = receive(sqs, url)[0]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["TARGET_ARN"] == machine and attributes["RULE_ARN"].endswith(f"rule/{name}")
    assert attributes["ERROR_CODE"] and json.loads(message["Body"])["detail-type"] == "Scheduled Event"


def test_missing_target_is_dead_lettered_without_retries(orch_cloud, queue):
    # AWS: errors retrying cannot fix (the target no longer exists) go to the DLQ at once.
    sqs, url, dlq_arn = queue
    events = orch_cloud.client("events")
    name = f"gone-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, ScheduleExpression="rate(1 day)")
    target = "arn:aws:lambda:us-east-1:123456789012:function:gone"
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": target, "DeadLetterConfig": {"Arn": dlq_arn}}])
    fire(orch_cloud, name)
    message = receive(sqs, url)[0]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["TARGET_ARN"] == target and attributes["ERROR_CODE"] == "ResourceNotFoundException"
    assert attributes["RETRY_ATTEMPTS"] == "0" and "EXHAUSTED_RETRY_CONDITION" not in attributes
    # (events/targets.py also records its own "error" line for each failed hand-over)
    assert [d["result"] for d in deliveries(orch_cloud, name) if d["result"] != "error"] == ["dead-lettered"]


def test_rate_rule_fires_on_the_fast_clock_to_lambda(orch_cloud, orch_functions, queue):
    sqs, url, arn = queue
    source = ("import boto3, json, os\n\ndef handler(event, context):\n"
              f"    boto3.client('sqs').send_message(QueueUrl='{url}', MessageBody=json.dumps(event))\n")
    function = orch_functions.create(source)
    function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
    events = orch_cloud.client("events")
    name = f"tick-{uuid.uuid4().hex[:8]}"
    rule_arn = events.put_rule(Name=name, ScheduleExpression="rate(1 minute)")["RuleArn"]  # at 60x: every second
    allow_invoke(orch_cloud.client("lambda"), function, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule=name, Targets=[{"Id": "fn", "Arn": function_arn}])
    started = time.monotonic()
    messages = receive(sqs, url, 2)
    events.disable_rule(Name=name)
    assert time.monotonic() - started < 45  # unsped, two firings a minute apart take over a minute
    times = sorted(json.loads(m["Body"])["time"] for m in messages[:2])
    assert times[0] != times[1] and json.loads(messages[0]["Body"])["detail-type"] == "Scheduled Event"


def test_scheduler_schedule_sends_its_input_with_context_attributes(orch_cloud, queue, service_role):
    sqs, url, arn = queue
    scheduler = orch_cloud.client("scheduler")
    name = f"s-{uuid.uuid4().hex[:8]}"
    schedule_arn = scheduler.create_schedule(
        Name=name, ScheduleExpression="cron(0 9 ? * MON-FRI *)", ScheduleExpressionTimezone="Europe/Berlin",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": service_role,
                "Input": '{"job": "report", "schedule": "<aws.scheduler.schedule-arn>"}',
                "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60}})["ScheduleArn"]
    status, document = fire(orch_cloud, name)
    assert status == 200 and document["fired"][0]["kind"] == "schedule"
    assert json.loads(receive(sqs, url)[0]["Body"]) == {"job": "report", "schedule": schedule_arn}


def test_scheduler_at_expression_fires_once_on_time(orch_cloud, queue, service_role):
    import datetime as dt

    sqs, url, arn = queue
    # Six local minutes ahead = six wall seconds at clock speed 60 (the server's clock began at its start):
    # room for a loaded machine to create the schedule before its moment, which must still be ahead.
    server_now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=(time.time() - _server_started(orch_cloud)) * 59)
    at = (server_now + dt.timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%S")
    schedule_arn = orch_cloud.client("scheduler").create_schedule(
        Name=f"once-{uuid.uuid4().hex[:8]}", ScheduleExpression=f"at({at})", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": service_role, "Input": '{"once": true}'})["ScheduleArn"]
    assert [json.loads(m["Body"]) for m in receive(sqs, url)] == [{"once": True}]
    # Once: the runner says the schedule is done (it computed no next time), and it delivered one event.
    def outcomes() -> list[str] | None:
        results = [d["result"] for d in deliveries(orch_cloud, schedule_arn) if d["source"] == schedule_arn]
        return results if "completed" in results and "ok" in results else None

    assert sorted(wait_for(outcomes, what="the one-time schedule to complete")) == ["completed", "ok"]


def test_scheduler_rejects_an_invalid_expression(orch_cloud, service_role):
    with pytest.raises(ClientError) as failure:
        orch_cloud.client("scheduler").create_schedule(
            Name="bad", ScheduleExpression="every day", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": service_role})
    assert failure.value.response["Error"]["Code"] == "ValidationException"


def test_fire_of_an_unknown_name_says_what_to_do(orch_cloud):
    status, document = fire(orch_cloud, "no-such-rule")
    assert status == 404 and "list-rules" in document["message"]


def test_cli_fire_and_list(orch_cloud, queue):
    sqs, url, arn = queue
    events = orch_cloud.client("events")
    name = f"cli-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, ScheduleExpression="cron(0 0 1 1 ? 2099)")
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
    done = orch_cloud.cli("events", "fire", name)
    assert done.returncode == 0, done.stderr
    assert "fired rule" in done.stdout and "1 target" in done.stdout
    receive(sqs, url)
    listed = orch_cloud.cli("events", "list", "--source", name)
    assert "ok" in listed.stdout and arn in listed.stdout
    assert orch_cloud.cli("events", "fire", "nope").returncode == 1


def _server_started(cloud) -> float:
    import urllib.request

    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/health") as answer:
        return time.time() - json.loads(answer.read())["uptime_seconds"]
