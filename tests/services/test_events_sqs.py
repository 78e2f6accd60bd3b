"""SQS event source mappings: delete on success, visibility timeout, DLQ after maxReceiveCount, partial batches.

https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html, .../services-sqs-errorhandling.html
(ReportBatchItemFailures by message id), .../with-sqs.html#events-sqs-queueconfig (redrive policy).
"""

from __future__ import annotations

import json
import uuid

from support import wait_for

ALWAYS_FAILS = "def handler(event, context):\n    raise ValueError('cannot process ' + event['Records'][0]['body'])\n"
REJECTS_ODD = """import json, os, time, boto3
s3 = boto3.client("s3")
def handler(event, context):
    s3.put_object(Bucket=os.environ["RECORDER_BUCKET"], Key=f"calls/{time.time():.6f}",
                  Body=json.dumps({"started": time.time(), "event": event}))
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                  if int(r["body"]) % 2 and int(r["attributes"]["ApproximateReceiveCount"]) < 2]}
"""


def _queue(sqs, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}", Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _count(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_messages_are_delivered_in_aws_shape_and_deleted_on_success(events_cloud, recorder):
    sqs = events_cloud.client("sqs")
    url, arn = _queue(sqs)
    events_cloud.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=recorder.function(),
                                                              BatchSize=10)
    sqs.send_message(QueueUrl=url, MessageBody='{"order": 7}',
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    record = wait_for(lambda: next((r for c in recorder.calls() for r in c["event"]["Records"]
                                    if r.get("eventSourceARN") == arn), None), what="the SQS record")
    assert record["body"] == '{"order": 7}' and record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
    assert record["messageId"] and record["receiptHandle"] and len(record["md5OfBody"]) == 32
    assert record["attributes"]["ApproximateReceiveCount"] == "1" and record["attributes"]["SentTimestamp"]
    assert record["messageAttributes"]["kind"] == {"stringValue": "order", "stringListValues": [],
                                                   "binaryListValues": [], "dataType": "String"}
    wait_for(lambda: _count(sqs, url) == 0, what="the processed message to be deleted")


def test_a_message_that_keeps_failing_reaches_the_dlq_after_max_receive_count(events_cloud, events_functions):
    sqs = events_cloud.client("sqs")
    dlq_url, dlq_arn = _queue(sqs)
    url, arn = _queue(sqs, VisibilityTimeout="2",  # local seconds: 2/60 s on the test clock
                      RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}))
    events_cloud.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=events_functions.create(
        ALWAYS_FAILS), BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    moved = wait_for(lambda: sqs.receive_message(QueueUrl=dlq_url, AttributeNames=["All"], WaitTimeSeconds=0)
                     .get("Messages"), what="the poison message in the DLQ")[0]
    assert moved["Body"] == "poison"
    assert int(moved["Attributes"]["ApproximateReceiveCount"]) >= 3
    assert _count(sqs, url) == 0


def test_partial_batch_response_keeps_only_the_reported_messages(events_cloud, recorder):
    sqs = events_cloud.client("sqs")
    url, arn = _queue(sqs, VisibilityTimeout="2")
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=recorder.function(REJECTS_ODD), BatchSize=10,
        MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(6)])

    def deliveries() -> list[tuple[str, str]]:
        return [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for c in recorder.calls()
                for r in c["event"]["Records"] if r.get("eventSourceARN") == arn]

    wait_for(lambda: _count(sqs, url) == 0, what="every message to be deleted")
    seen = deliveries()
    assert sorted(body for body, count in seen if count == "1") == [str(n) for n in range(6)]
    assert sorted(body for body, count in seen if count == "2") == ["1", "3", "5"]  # only the reported ones again


def test_messages_that_match_no_filter_are_deleted_without_an_invoke(events_cloud, recorder):
    sqs = events_cloud.client("sqs")
    url, arn = _queue(sqs)
    events_cloud.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=recorder.function(), BatchSize=10,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"type": ["order"]}})}]})
    noise = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"type": "noise"}))["MessageId"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"type": "order"}))
    wait_for(lambda: _count(sqs, url) == 0, what="both messages to leave the queue")
    bodies = [r["body"] for c in recorder.calls() for r in c["event"]["Records"] if r.get("eventSourceARN") == arn]
    assert bodies == [json.dumps({"type": "order"})]
    filtered = [d["detail"] for d in events_cloud.deliveries(arn) if d["result"] == "filtered"]
    assert filtered == [f"{noise} matched none of the mapping's FilterCriteria"]  # dropped, and said so
