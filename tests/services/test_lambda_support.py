"""Shared pieces of the Lambda runtime tests: a local cloud on a port of our range, zips, functions.

Named test_lambda_* so it stays with the tests it serves; it holds no tests itself.
"""

from __future__ import annotations

import io
import json
import os
import random
import socket
import uuid
import zipfile
from pathlib import Path

import pytest
from localcloud.runtime.prepare import prepare_runtime
from localcloud.testing import LocalCloud, isolated

PORTS = range(4600, 4650)  # the range these tests may use on a shared machine
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def port_in_range() -> int:
    for port in random.sample(list(PORTS), len(PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("every port in 4600-4649 is taken; stop a local cloud and run again")


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def start_cloud(state_dir: Path, **environment: str) -> LocalCloud:
    """A real server process; `environment` sets LOCALCLOUD_* knobs for it (clock speed, idle TTL)."""
    prepare_runtime()  # no-op when `make install` already did it
    saved = {k: os.environ.get(k) for k in environment}
    os.environ.update(environment)
    try:
        return isolated(state_dir, port=port_in_range()).start()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Functions:
    """Creates functions through plain boto3, as an outside program would."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.lam = cloud.client("lambda", read_timeout=60)
        iam = cloud.client("iam")
        self.role = iam.create_role(RoleName=f"fn-{uuid.uuid4().hex[:8]}",
                                    AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]

    def create(self, source: str, *, runtime: str = "python3.12", files: dict[str, str] | None = None,
               **extra) -> str:
        name = f"fn-{uuid.uuid4().hex[:10]}"
        self.lam.create_function(FunctionName=name, Runtime=runtime, Role=self.role, Handler="handler.handler",
                                 Code={"ZipFile": zip_of({"handler.py": source, **(files or {})})}, **extra)
        return name

    def invoke(self, name: str, payload: object = None, **extra) -> tuple[dict, object]:
        answer = self.lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **extra)
        body = answer["Payload"].read()
        return answer, json.loads(body) if body else None


@pytest.fixture(scope="module")
def lambda_cloud(tmp_path_factory: pytest.TempPathFactory):
    # Clock speed 600: AWS's 1 and 2 minute retry back-offs take 0.1 and 0.2 s.
    cloud = start_cloud(tmp_path_factory.mktemp("lambda-state"), LOCALCLOUD_CLOCK_SPEED="600")
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def functions(lambda_cloud) -> Functions:
    return Functions(lambda_cloud)
