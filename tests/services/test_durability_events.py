"""Accepted events survive a stop and a crash: at-least-once, as AWS promises for S3 notifications and
asynchronous invocations (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).

Real processes: `localcloud start` in the background, stopped with SIGTERM (clean) or SIGKILL (crash).
"""

from __future__ import annotations

import json
import os
import signal
import uuid

from localcloud import process
from support import Functions, start_cloud, wait_for

# Slow on purpose: with reserved concurrency 1, twenty events take twenty seconds, far past the stop.
SLOW_RECORDER = """import json, os, time, boto3
s3 = boto3.client("s3")
def handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    time.sleep(1.0)
    s3.put_object(Bucket=os.environ["RECORDER_BUCKET"], Key=f"calls/{key}", Body=json.dumps(event))
"""


def _notify_lambda(cloud, functions: Functions, source: str, **extra) -> tuple[str, str]:
    s3, lam = cloud.client("s3"), cloud.client("lambda")
    bucket, recorder = f"in-{uuid.uuid4().hex[:8]}", f"rec-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=recorder)
    name = functions.create(source, Environment={"Variables": {"RECORDER_BUCKET": recorder}}, Timeout=30, **extra)
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "to-lambda", "LambdaFunctionArn": arn,
                                          "Events": ["s3:ObjectCreated:*"]}]})
    return bucket, recorder


def _recorded(cloud, recorder: str) -> set[str]:
    keys = set()
    for page in cloud.client("s3").get_paginator("list_objects_v2").paginate(Bucket=recorder, Prefix="calls/"):
        keys |= {o["Key"].removeprefix("calls/") for o in page.get("Contents", [])}
    return keys


def test_events_pending_at_a_clean_stop_are_delivered_after_the_restart(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0, LOCALCLOUD_STOP_DRAIN_SECONDS="2")
    try:
        lam = cloud.client("lambda")
        functions = Functions(cloud)
        bucket, recorder = _notify_lambda(cloud, functions, SLOW_RECORDER)
        lam.put_function_concurrency(FunctionName=functions.lam.list_functions()["Functions"][0]["FunctionName"],
                                     ReservedConcurrentExecutions=1)
        keys = {f"upload-{n:02d}.csv" for n in range(20)}
        for key in sorted(keys):
            cloud.client("s3").put_object(Bucket=bucket, Key=key, Body=b"id\n1\n")
        wait_for(lambda: _recorded(cloud, recorder), timeout=30, what="the first delivery before the stop")
        cloud.stop()  # SIGTERM, ~1-2 s after the uploads: most events are still queued for the slow function
        cloud.start()
        delivered = wait_for(lambda: (found := _recorded(cloud, recorder)) >= keys and found, timeout=90,
                             what="every one of the 20 S3 events, after the restart")
        assert delivered == keys
    finally:
        cloud.stop()


def test_kill_9_during_a_burst_of_s3_events_loses_none_of_them(tmp_path):
    cloud = start_cloud(tmp_path / "state", clock_speed=1.0)
    try:
        s3, sqs = cloud.client("s3"), cloud.client("sqs")
        bucket = f"burst-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        url = sqs.create_queue(QueueName=f"events-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": queue_arn}]})})
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"Id": "q", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})
        keys = {f"part-{n:03d}.json" for n in range(40)}
        for key in sorted(keys):
            s3.put_object(Bucket=bucket, Key=key, Body=b"{}")
        os.kill(process.read_pid(cloud.settings), signal.SIGKILL)  # no drain, no save: a crash
        wait_for(lambda: process.read_pid(cloud.settings) is None, what="the killed server to be gone")
        cloud.start()
        seen: set[str] = set()

        def all_arrived() -> bool:
            for message in cloud.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
                    "Messages", []):
                body = json.loads(message["Body"])
                seen.update(r["s3"]["object"]["key"] for r in body.get("Records", []))
            return seen >= keys

        wait_for(all_arrived, timeout=60, what="every S3 event accepted before the kill")
        assert seen == keys
        assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == keys
    finally:
        cloud.stop()
