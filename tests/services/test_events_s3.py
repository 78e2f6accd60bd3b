"""S3 event notifications: the AWS event JSON, filters, async delivery, destination validation, s3:TestEvent.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html,
.../notification-how-to-filtering.html, .../grant-destinations-permissions-to-s3.html.
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from support import allow_queue, wait_for

# Held until the test says go, which it can only do once its PUT has answered: if S3 ran the handler
# inside the PUT, the handler would give up waiting (bounded) and record that it was never released.
HELD = """import json, os, time, boto3
s3 = boto3.client("s3")
def handler(event, context):
    bucket, go = os.environ["RECORDER_BUCKET"], "go/" + event["Records"][0]["s3"]["bucket"]["name"]
    deadline = time.time() + 20
    while not s3.list_objects_v2(Bucket=bucket, Prefix=go).get("KeyCount") and time.time() < deadline:
        time.sleep(0.05)
    released = bool(s3.list_objects_v2(Bucket=bucket, Prefix=go).get("KeyCount"))
    s3.put_object(Bucket=bucket, Key=f"calls/{time.time():.6f}",
                  Body=json.dumps({"started": time.time(), "released": released, "event": event}))
"""


def _allow_s3(lam, name: str, bucket: str) -> str:
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def _filtered(cloud, bucket: str, key: str) -> list[str]:
    """The events S3 decided not to send for this object (the delivery trace's `filtered` entries)."""
    return [d["detail"].split(" ", 1)[0].rstrip(":") for d in cloud.deliveries(f"s3:{bucket}/{key}")
            if d["source"] == f"s3:{bucket}/{key}" and d["result"] == "filtered"]


def _calls_for(recorder, bucket: str) -> list[dict]:
    return [c for c in recorder.calls() if c["event"]["Records"][0]["s3"]["bucket"]["name"] == bucket]


def _lambda_config(arn: str, events: list[str], prefix: str = "", suffix: str = "") -> dict:
    rules = [r for r in ({"Name": "prefix", "Value": prefix}, {"Name": "suffix", "Value": suffix}) if r["Value"]]
    config = {"Id": "to-lambda", "LambdaFunctionArn": arn, "Events": events}
    if rules:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    return {"LambdaFunctionConfigurations": [config]}


def test_lambda_destination_without_permission_is_rejected_like_aws(events_cloud, recorder):
    s3, lam = events_cloud.client("s3"), events_cloud.client("lambda")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    name = recorder.function()
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_lambda_config(
            arn, ["s3:ObjectCreated:*"]))
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    assert caught.value.response["Error"]["Message"] == "Unable to validate the following destination configurations"
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("LambdaFunctionConfigurations") is None


def test_sqs_destination_needs_a_queue_policy_for_s3_and_then_gets_the_test_event(events_cloud):
    s3, sqs = events_cloud.client("s3"), events_cloud.client("sqs")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    config = {"QueueConfigurations": [{"Id": "to-queue", "QueueArn": queue_arn, "Events": ["s3:ObjectRemoved:*"]}]}
    with pytest.raises(ClientError, match="Unable to validate the following destination configurations"):
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    s3.put_object(Bucket=bucket, Key="report 1.csv", Body=b"a,b\n")  # ObjectCreated: not configured
    s3.delete_object(Bucket=bucket, Key="report 1.csv")
    # S3 decides at write time: the trace already says the ObjectCreated event was not sent.
    assert _filtered(events_cloud, bucket, "report 1.csv") == ["ObjectCreated:Put"]
    bodies: list[dict] = []

    def received() -> bool:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
            bodies.append(json.loads(m["Body"]))
        return len(bodies) >= 2

    wait_for(received, what="the test event and the delete event")
    assert bodies[0]["Event"] == "s3:TestEvent" and bodies[0]["Bucket"] == bucket
    record = bodies[1]["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert record["s3"]["object"]["key"] == "report+1.csv" and "size" not in record["s3"]["object"]


def test_put_returns_at_once_and_lambda_gets_the_aws_event(events_cloud, recorder):
    s3, lam = events_cloud.client("s3"), events_cloud.client("lambda")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    name = recorder.function(HELD)
    arn = _allow_s3(lam, name, bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_lambda_config(
        arn, ["s3:ObjectCreated:*"], prefix="incoming/", suffix=".csv"))
    s3.put_object(Bucket=bucket, Key="other/x.csv", Body=b"no")  # filtered out by prefix
    s3.put_object(Bucket=bucket, Key="incoming/x.txt", Body=b"no")  # filtered out by suffix
    assert _filtered(events_cloud, bucket, "other/x.csv") == ["ObjectCreated:Put"]
    assert _filtered(events_cloud, bucket, "incoming/x.txt") == ["ObjectCreated:Put"]
    put = s3.put_object(Bucket=bucket, Key="incoming/my file.csv", Body=b"hello")
    s3.put_object(Bucket=recorder.bucket, Key=f"go/{bucket}", Body=b"")  # the PUT has answered
    calls = wait_for(lambda: _calls_for(recorder, bucket), what="the S3 event")
    assert [c["event"]["Records"][0]["s3"]["object"]["key"] for c in calls] == ["incoming/my+file.csv"]
    assert calls[0]["released"]  # the handler ran after the PUT answered, not inside it
    record = calls[-1]["event"]["Records"][0]
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put" and record["awsRegion"] == "us-east-1"
    assert record["requestParameters"]["sourceIPAddress"] and record["userIdentity"]["principalId"]
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3_part = record["s3"]
    assert s3_part["s3SchemaVersion"] == "1.0" and s3_part["configurationId"] == "to-lambda"
    assert s3_part["bucket"]["name"] == bucket and s3_part["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert s3_part["object"]["key"] == "incoming/my+file.csv" and s3_part["object"]["size"] == 5
    assert s3_part["object"]["eTag"] == put["ETag"].strip('"')
    assert s3_part["object"]["versionId"] == put["VersionId"] and s3_part["object"]["sequencer"]


def test_copy_and_multipart_events_are_named_as_on_aws(events_cloud, recorder):
    s3, lam = events_cloud.client("s3"), events_cloud.client("lambda")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    arn = _allow_s3(lam, recorder.function(), bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_lambda_config(
        arn, ["s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload"]))
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")  # Put: not configured
    s3.copy_object(Bucket=bucket, Key="b", CopySource={"Bucket": bucket, "Key": "a"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="c")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="c", UploadId=upload, PartNumber=1, Body=b"y" * 10)
    s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=upload,
                                 MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})

    assert _filtered(events_cloud, bucket, "a") == ["ObjectCreated:Put"]

    def names() -> list[str]:
        return sorted(c["event"]["Records"][0]["eventName"] for c in _calls_for(recorder, bucket))

    wait_for(lambda: len(names()) >= 2, what="copy and multipart events")
    assert names() == ["ObjectCreated:CompleteMultipartUpload", "ObjectCreated:Copy"]


def test_versioned_delete_announces_the_delete_marker(events_cloud, recorder):
    s3, lam = events_cloud.client("s3"), events_cloud.client("lambda")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    arn = _allow_s3(lam, recorder.function(), bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_lambda_config(
        arn, ["s3:ObjectRemoved:*"]))
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="gone")["VersionId"]
    record = wait_for(lambda: next((c["event"]["Records"][0] for c in recorder.calls()
                                    if c["event"]["Records"][0]["s3"]["bucket"]["name"] == bucket), None),
                      what="the delete marker event")
    assert record["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert record["s3"]["object"]["versionId"] == marker and "size" not in record["s3"]["object"]


def test_object_tagging_is_announced_for_put_object_tagging_not_for_put_object(events_cloud, recorder):
    """s3:ObjectTagging:Put is PutObjectTagging's event; a PutObject (tagged or not) announces ObjectCreated only
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html)."""
    s3, lam = events_cloud.client("s3"), events_cloud.client("lambda")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    arn = _allow_s3(lam, recorder.function(), bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=_lambda_config(
        arn, ["s3:ObjectTagging:*"]))
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="stage=raw")
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "stage", "Value": "clean"}]})
    # One worker hands S3's events on in order: once the tagging event is delivered, an event from the
    # PutObject before it would have been, too.
    calls = wait_for(lambda: _calls_for(recorder, bucket), what="the tagging event")
    assert [c["event"]["Records"][0]["eventName"] for c in calls] == ["ObjectTagging:Put"]
    def decided() -> list[str] | None:
        results = [d["result"] for d in events_cloud.deliveries(f"s3:{bucket}/t") if d["source"] == f"s3:{bucket}/t"]
        return results if "ok" in results else None

    # The PutObject's ObjectCreated:Put (not configured), then the tagging event; nothing for the PutObject's tags.
    assert wait_for(decided, what="the tagging event in the trace") == ["filtered", "ok"]


def test_eventbridge_notifications_reach_matching_rules_on_the_default_bus(events_cloud):
    # AWS: with EventBridge enabled, S3 sends every event to the default bus as source "aws.s3",
    # detail-type "Object Created" (userguide/EventBridge.html, ev-events.html), and rules match it.
    s3, sqs, events = events_cloud.client("s3"), events_cloud.client("sqs"), events_cloud.client("events")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"s3-{uuid.uuid4().hex[:8]}"
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"bucket": {"name": [bucket]}}}))["RuleArn"]
    allow_queue(sqs, url, "events.amazonaws.com", rule_arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": queue_arn}])
    s3.put_bucket_notification_configuration(Bucket=bucket,
                                             NotificationConfiguration={"EventBridgeConfiguration": {}})
    s3.put_object(Bucket=bucket, Key="in/data.csv", Body=b"a,b\n")
    bodies: list[dict] = []

    def received() -> bool:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(json.loads(m["Body"]))
        return bool(bodies)

    wait_for(received, what="the Object Created event through the bus")
    event = bodies[0]
    assert event["source"] == "aws.s3" and event["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert event["detail"]["object"]["key"] == "in/data.csv" and event["detail"]["object"]["size"] == 4
    assert event["detail"]["reason"] == "PutObject"
