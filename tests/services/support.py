"""What the service tests share: a real local cloud process, inline-zip functions, polling.

Each test area keeps only its own pieces (test_events_support.py, test_orchestration_support.py).
"""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from pathlib import Path
from typing import Any

from localcloud import testing
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import LocalCloud, isolated

LAMBDA_ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


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


# The service tests wait for seconds at most.
def wait_for(check, timeout: float = 15.0, interval: float = 0.05, what: str = ""):
    return testing.wait_for(check, timeout, interval, what)


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


class Functions:
    """Creates functions through plain boto3, as an outside program would."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.lam = cloud.client("lambda", read_timeout=60)
        iam = cloud.client("iam")
        self.role = iam.create_role(RoleName=f"fn-{uuid.uuid4().hex[:8]}",
                                    AssumeRolePolicyDocument=LAMBDA_ROLE_POLICY)["Role"]["Arn"]

    def create(self, source: str, *, runtime: str = "python3.12", files: dict[str, str] | None = None,
               **extra: Any) -> str:
        name = f"fn-{uuid.uuid4().hex[:10]}"
        self.lam.create_function(FunctionName=name, Runtime=runtime, Role=self.role, Handler="handler.handler",
                                 Code={"ZipFile": zip_of({"handler.py": source, **(files or {})})}, **extra)
        return name

    def invoke(self, name: str, payload: object = None, **extra: Any) -> tuple[dict, object]:
        answer = self.lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **extra)
        body = answer["Payload"].read()
        return answer, json.loads(body) if body else None
