"""Shared pieces of the event plane tests: a local cloud on a fast clock, functions, waiting helpers.

Named test_events_* so it stays with the tests it serves; it holds no tests itself.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from localcloud.testing import LocalCloud
from support import Functions, start_cloud, wait_for, zip_of  # noqa: F401  (re-exported for the event tests)

# A handler that appends each record it sees to an S3 object per invocation, so tests can count deliveries
# from outside; RECORDER_BUCKET names the bucket.
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


@pytest.fixture(scope="module")
def events_cloud(tmp_path_factory: pytest.TempPathFactory):
    cloud = start_cloud(tmp_path_factory.mktemp("events-state"))
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def functions(events_cloud) -> Functions:
    return Functions(events_cloud)


@pytest.fixture(scope="module")
def recorder(events_cloud, functions) -> Recorder:
    return Recorder(events_cloud, functions)
