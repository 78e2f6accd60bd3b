"""Shared pieces of the orchestration tests (EventBridge, Scheduler, Step Functions, API Gateway).

A real server on a port in 4750-4799 at clock speed 60 (a minute of schedule or Wait state passes in a
second), functions from inline zips, queue helpers. Holds no tests itself.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import LocalCloud, isolated
from test_lambda_support import Functions

PORTS = range(4750, 4800)
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "scheduler.amazonaws.com",
                                                  "states.amazonaws.com"]}, "Action": "sts:AssumeRole"}]})


def port_in_range() -> int:
    for port in random.sample(list(PORTS), len(PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("every port in 4750-4799 is taken; stop a local cloud and run again")


def start_cloud(state_dir: Path, clock_speed: str = "60") -> LocalCloud:
    prepare_runtime()
    saved = os.environ.get("LOCALCLOUD_CLOCK_SPEED")
    os.environ["LOCALCLOUD_CLOCK_SPEED"] = clock_speed
    try:
        return isolated(state_dir, port=port_in_range()).start()
    finally:
        if saved is None:
            os.environ.pop("LOCALCLOUD_CLOCK_SPEED", None)
        else:
            os.environ["LOCALCLOUD_CLOCK_SPEED"] = saved


def wait_for(check, timeout: float = 20.0, every: float = 0.05):
    """Poll `check` until it returns something truthy; fail with the last value after `timeout` s."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s (last value {value!r})")


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
