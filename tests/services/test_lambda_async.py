"""Asynchronous invoke: 202 at once, retries on the local clock, then DLQ and destinations.

https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html and
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (envelope shape).
The module's cloud runs at clock speed 600, so AWS's 1 + 2 minute back-offs take 0.3 s.
"""

from __future__ import annotations

import json
import uuid

from support import allow_queue, receive, wait_for

FAILING = """import json
def handler(event, context):
    print("attempt", context.aws_request_id)
    raise RuntimeError("cannot process " + json.dumps(event))
"""


def _queue(cloud, name):
    sqs = cloud.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


# Waits for a go the test can only give once Invoke has answered, then says whether it got it: run inside
# the Invoke call, it would give up waiting (bounded) and report that it was never released.
HELD = """import boto3, time
s3 = boto3.client("s3")
def handler(event, context):
    def released():
        return bool(s3.list_objects_v2(Bucket=event["bucket"], Prefix="go").get("KeyCount"))
    deadline = time.time() + 20
    while not released() and time.time() < deadline:
        time.sleep(0.05)
    s3.put_object(Bucket=event["bucket"], Key="done", Body=b"released" if released() else b"never released")
"""


def test_event_invoke_answers_202_before_the_function_runs(lambda_functions, lambda_cloud):
    s3 = lambda_cloud.client("s3")
    bucket = f"held-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    name = lambda_functions.create(HELD, Timeout=30)
    answer = lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event",
                                         Payload=json.dumps({"bucket": bucket}).encode())
    assert answer["StatusCode"] == 202
    s3.put_object(Bucket=bucket, Key="go", Body=b"")

    def done() -> bytes | None:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
        return s3.get_object(Bucket=bucket, Key="done")["Body"].read() if "done" in keys else None

    assert wait_for(done, what="the function to finish") == b"released"


def test_failed_event_is_retried_then_sent_to_dlq_and_on_failure_destination(lambda_functions, lambda_cloud):
    sqs, dlq_url, dlq_arn = _queue(lambda_cloud, "lambda-dlq")
    _, failure_url, failure_arn = _queue(lambda_cloud, "lambda-on-failure")
    name = lambda_functions.create(FAILING, DeadLetterConfig={"TargetArn": dlq_arn})
    lambda_functions.lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": failure_arn}})
    answer = lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 7}')
    request_id = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    dead = receive(sqs, dlq_url, 1)
    assert len(dead) == 1 and json.loads(dead[0]["Body"]) == {"order": 7}
    attributes = dead[0]["MessageAttributes"]
    assert attributes["RequestID"]["StringValue"] == request_id
    assert attributes["ErrorMessage"]["StringValue"] == 'cannot process {"order": 7}'

    record = json.loads(receive(sqs, failure_url, 1)[0]["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"] == {"requestId": request_id, "functionArn": record["requestContext"]["functionArn"],
                                        "condition": "RetriesExhausted", "approximateInvokeCount": 3}
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "RuntimeError"

    # Three attempts (the first and two retries), all with the event's one request id, in the logs.
    logs = lambda_cloud.client("logs")
    events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert sum(e["message"] == f"attempt {request_id}" for e in events) == 3


def test_maximum_retry_attempts_zero_fails_after_one_attempt(lambda_functions, lambda_cloud):
    sqs, url, arn = _queue(lambda_cloud, "lambda-no-retry")
    name = lambda_functions.create(FAILING)
    lambda_functions.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                                   DestinationConfig={"OnFailure": {"Destination": arn}})
    lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    record = json.loads(receive(sqs, url, 1)[0]["Body"])
    assert record["requestContext"]["approximateInvokeCount"] == 1


def test_success_goes_to_the_on_success_destination(lambda_functions, lambda_cloud):
    sqs, url, arn = _queue(lambda_cloud, "lambda-on-success")
    name = lambda_functions.create("def handler(event, context):\n    return {'doubled': event['n'] * 2}\n")
    lambda_functions.lam.put_function_event_invoke_config(FunctionName=name,
                                                   DestinationConfig={"OnSuccess": {"Destination": arn}})
    lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 21}')
    record = json.loads(receive(sqs, url, 1)[0]["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}
    assert "functionError" not in record["responseContext"]


def test_many_events_all_run_once(lambda_functions, lambda_cloud):
    sqs, url, arn = _queue(lambda_cloud, "lambda-burst")
    name = lambda_functions.create("import boto3, os\n\ndef handler(event, context):\n    return event['i']\n")
    lambda_functions.lam.put_function_event_invoke_config(FunctionName=name,
                                                   DestinationConfig={"OnSuccess": {"Destination": arn}})
    for i in range(40):
        lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"i": i}).encode())
    seen = sorted(json.loads(m["Body"])["responsePayload"] for m in receive(sqs, url, 40))
    assert seen == list(range(40))


def _bus_rule_to_queue(cloud, pattern: dict):
    """A rule on the default bus whose matches land in a fresh queue (to watch what reaches the bus)."""
    sqs, url, arn = _queue(cloud, f"bus-{uuid.uuid4().hex[:8]}")
    events = cloud.client("events")
    rule = f"watch-{uuid.uuid4().hex[:8]}"
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps(pattern))["RuleArn"]
    allow_queue(sqs, url, "events.amazonaws.com", rule_arn)  # the rule delivers under the queue's policy
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
    return sqs, url


def test_event_bus_destination_gets_an_invocation_result_event(lambda_functions, lambda_cloud):
    # AWS: an EventBridge destination receives source "lambda", detail-type "Lambda Function Invocation
    # Result - Success", the record as its detail (invocation-async-retain-records.html).
    sqs, url = _bus_rule_to_queue(lambda_cloud, {"source": ["lambda"]})
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    name = lambda_functions.create("def handler(event, context):\n    return {'ok': event['n']}\n")
    lambda_functions.lam.put_function_event_invoke_config(FunctionName=name,
                                                          DestinationConfig={"OnSuccess": {"Destination": bus}})
    lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"n": 7}')
    event = json.loads(receive(sqs, url, 1)[0]["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["detail"]["responsePayload"] == {"ok": 7}
    assert event["detail"]["requestContext"]["condition"] == "Success"


def test_sns_dead_letter_target_gets_the_event_and_error_attributes(lambda_functions, lambda_cloud):
    # The DLQ may be an SNS topic: the original event, RequestID / ErrorCode / ErrorMessage attributes.
    sqs, url, queue_arn = _queue(lambda_cloud, f"dlq-topic-{uuid.uuid4().hex[:8]}")
    sns = lambda_cloud.client("sns")
    topic = sns.create_topic(Name=f"dlq-{uuid.uuid4().hex[:8]}")["TopicArn"]
    allow_queue(sqs, url, "sns.amazonaws.com", topic)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    name = lambda_functions.create(FAILING, DeadLetterConfig={"TargetArn": topic})
    lambda_functions.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    lambda_functions.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 5}')
    message = receive(sqs, url, 1)[0]
    assert json.loads(message["Body"]) == {"order": 5}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ErrorCode"] == "200" and "cannot process" in attributes["ErrorMessage"]
    assert attributes["RequestID"]
