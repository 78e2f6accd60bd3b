"""What the service tests share beyond localcloud.testing (wait_for, zip_of, Functions, trust_policy, the
delivery trace — shared with bench/): a real local cloud on a fast clock, a recorder function whose
invocations can be counted from outside, SQS and schedule helpers. Fixtures are in conftest.py.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import (  # noqa: F401  (the shared helpers, for `from support import ...`)
    Functions,
    LocalCloud,
    isolated,
    trust_policy,
    wait_for,
    zip_of,
)


def start_cloud(state_dir: Path, clock_speed: float = 60.0, **environment: str) -> LocalCloud:
    """A real server process on a free port. The clock speed makes AWS's minute-long back-offs, alarm
    periods and schedules pass in seconds; `environment` sets other LOCALCLOUD_* knobs for the process."""
    prepare_runtime()  # no-op when `make install` already did it
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        return isolated(state_dir, clock_speed=clock_speed).start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


LAMBDA_ROLE_POLICY = trust_policy("lambda.amazonaws.com")


# -- event plane: a function whose invocations are counted from outside ----------------------------------
# Appends each event it sees to an S3 object per invocation; RECORDER_BUCKET names the bucket.
RECORDER = """import base64, json, os, time, uuid, boto3
s3 = boto3.client("s3")
def handler(event, context):
    started = time.time()
    s3.put_object(Bucket=os.environ["RECORDER_BUCKET"], Key=f"calls/{started:.6f}-{uuid.uuid4().hex}",
                  Body=json.dumps({"started": started, "event": event}))
    return None
"""


class Recorder:
    """A bucket the recorder function writes one object per invocation into."""

    def __init__(self, cloud: LocalCloud, functions: Functions) -> None:
        self.s3 = cloud.client("s3")
        self.bucket = f"rec-{uuid.uuid4().hex[:10]}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.functions = functions

    def function(self, source: str = RECORDER, **extra: Any) -> str:
        env = extra.pop("Environment", {"Variables": {}})
        env["Variables"]["RECORDER_BUCKET"] = self.bucket
        return self.functions.create(source, Environment=env, Timeout=30, **extra)

    def calls(self) -> list[dict[str, Any]]:
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix="calls/"):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return [json.loads(self.s3.get_object(Bucket=self.bucket, Key=k)["Body"].read()) for k in sorted(keys)]


# -- orchestration: queues as targets, schedules fired on demand -----------------------------------------
# Roles EventBridge, Scheduler and Step Functions assume to reach their targets.
SERVICE_ROLE_POLICY = trust_policy("events.amazonaws.com", "scheduler.amazonaws.com", "states.amazonaws.com")


def receive(sqs, queue_url: str, count: int = 1, timeout: float = 60.0) -> list[dict]:
    """At least `count` messages from the queue (received, not deleted), as a consumer would long-poll."""
    messages: list[dict] = []

    def enough():
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"])
        messages.extend(answer.get("Messages", []))
        return len(messages) >= count

    wait_for(enough, timeout, what=f"{count} message(s) on {queue_url}")
    return messages


def fire(cloud: LocalCloud, name: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{cloud.endpoint}/_localcloud/events/fire?name={name}", method="POST",
                                     data=b"")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def deliveries(cloud: LocalCloud, source: str) -> list[dict]:
    return cloud.deliveries(source)


# -- resource policies a service principal needs to deliver (IAM is enforced on deliveries too) -----------
def queue_policy(queue_arn: str, service: str, source_arn: str) -> str:
    """A queue policy letting `service` (sns.amazonaws.com, events.amazonaws.com) send for `source_arn`, the
    statement AWS's guides give (sns-sqs-as-subscriber.html, eb-use-resource-based.html#eb-sqs-permissions)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnLike": {"aws:SourceArn": source_arn}}}]})


def allow_queue(sqs, queue_url: str, service: str, source_arn: str) -> None:
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": queue_policy(arn, service, source_arn)})


def allow_invoke(lam, function: str, service: str, source_arn: str) -> None:
    """lambda add-permission, as Terraform's aws_lambda_permission does."""
    lam.add_permission(FunctionName=function, StatementId=f"{service.split('.')[0]}-{uuid.uuid4().hex[:8]}",
                       Action="lambda:InvokeFunction", Principal=service, SourceArn=source_arn)
