"""Shared pieces of the orchestration tests (EventBridge, Scheduler, Step Functions, API Gateway).

A real server at clock speed 60 (a minute of schedule or Wait state passes in a
second), functions from inline zips, queue helpers. Holds no tests itself.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from localcloud.testing import LocalCloud
from support import Functions, start_cloud, wait_for  # noqa: F401  (re-exported for the orchestration tests)

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "scheduler.amazonaws.com",
                                                  "states.amazonaws.com"]}, "Action": "sts:AssumeRole"}]})


def receive(sqs, queue_url: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
    messages: list[dict] = []

    def enough():
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"])
        messages.extend(answer.get("Messages", []))
        return len(messages) >= count

    wait_for(enough, timeout)
    return messages


def fire(cloud: LocalCloud, name: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{cloud.endpoint}/_localcloud/events/fire?name={name}", method="POST",
                                     data=b"")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def deliveries(cloud: LocalCloud, source: str) -> list[dict]:
    with urllib.request.urlopen(f"{cloud.endpoint}/_localcloud/events?limit=500&source={source}") as answer:
        return json.loads(answer.read())["deliveries"]


@pytest.fixture(scope="module")
def orch_cloud(tmp_path_factory: pytest.TempPathFactory):
    cloud = start_cloud(tmp_path_factory.mktemp("orchestration-state"))
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def orch_functions(orch_cloud) -> Functions:
    return Functions(orch_cloud)


@pytest.fixture(scope="module")
def service_role(orch_cloud) -> str:
    iam = orch_cloud.client("iam")
    return iam.create_role(RoleName="orchestration-target-role", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
