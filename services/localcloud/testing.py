"""What tests and benchmarks share: an isolated local cloud (its own free port, its own state dir, a real
process), waiting for a condition, inline-zip functions, trust policies and the delivery trace.

One set of helpers for tests/, bench/ and users of the pytest plugin, so a fix to how we wait or how we
pick a port reaches every caller.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from localcloud import process
from localcloud.config import Settings
from localcloud.engines.base import free_port as _free_port

# Generous on purpose: `make test` runs four xdist workers on two cores, where a cold start or a restart
# can take many times what it takes on an idle machine. A check that succeeds returns at once, so a long
# bound costs nothing; only a check that never succeeds pays it, and then names what never happened.
DEFAULT_TIMEOUT = 120.0
MAX_INTERVAL = 1.0


def wait_for(check: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT, interval: float = 0.05,
             what: str = "", *, max_interval: float = MAX_INTERVAL) -> Any:
    """Poll `check` until it returns something truthy, and return that. Event-driven work (a Lambda fired by
    an upload, a stream consumer) finishes when it finishes; tests wait for the effect, bounded, and fail
    naming what never happened. The pause starts at `interval` and doubles up to `max_interval` (a
    second), so a quick effect is seen at once and a slow one is not polled hard on a loaded machine; a
    benchmark timing the effect passes a small `max_interval`."""
    deadline = time.monotonic() + timeout
    pause = interval
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what or check} did not happen within {timeout:.0f} s (last value {value!r})")
        time.sleep(pause)
        pause = min(pause * 2, max(interval, max_interval))


def snapshot_seq(settings: Any) -> int:
    """The newest snapshot's sequence number; 0 while the server does not answer its health check (a loaded
    machine can keep it past the health check's short timeout), so a wait_for goes on asking."""
    from localcloud import process

    answer = process.health(settings) or {}
    return (answer.get("persistence") or {}).get("snapshot_seq", 0)


def free_port() -> int:
    """A TCP port nothing listens on now, handed out by the OS (never a fixed range that may be busy)."""
    return _free_port()


def zip_of(files: dict[str, str] | str) -> bytes:
    """A Lambda deployment package in memory: {"handler.py": source, ...}, or one handler.py's source."""
    if isinstance(files, str):
        files = {"handler.py": files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def trust_policy(*services: str) -> str:
    """An AssumeRolePolicyDocument letting these service principals assume the role (default: Lambda)."""
    principals = list(services or ("lambda.amazonaws.com",))
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": principals if len(principals) > 1 else principals[0]},
        "Action": "sts:AssumeRole"}]})


def deliveries(endpoint: str, source: str = "", limit: int = 2000) -> list[dict[str, Any]]:
    """The delivery trace (GET /_localcloud/events): what each event source delivered, filtered out or
    dropped, oldest first. `source` matches a substring of the source or the target."""
    query = urllib.parse.urlencode({"limit": limit, **({"source": source} if source else {})})
    with urllib.request.urlopen(f"{endpoint}/_localcloud/events?{query}", timeout=30) as answer:
        return json.loads(answer.read())["deliveries"]


@dataclass
class LocalCloud:
    settings: Settings

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    def client(self, service: str, **config: Any) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.settings.region,
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config))

    def deliveries(self, source: str = "", limit: int = 2000) -> list[dict[str, Any]]:
        return deliveries(self.endpoint, source, limit)

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run the `localcloud` CLI against this instance, as a person would."""
        env = {**os.environ, "LOCALCLOUD_PORT": str(self.settings.port),
               "LOCALCLOUD_STATE_DIR": str(self.settings.state_dir)}
        return subprocess.run([sys.executable, "-m", "localcloud.cli", *args], capture_output=True, text=True,
                              env=env, check=check, timeout=120)

    def start(self) -> "LocalCloud":
        process.start_detached(self.settings)
        return self

    def stop(self) -> None:
        process.stop(self.settings)


def isolated(state_dir: Path, port: int | None = None, **settings: Any) -> LocalCloud:
    return LocalCloud(Settings.from_env(port=port or free_port(), state_dir=state_dir, **settings))


# The execution role of test functions that exercise something other than IAM (events, the runtime): what
# they call is the point of their test, not its permissions. IAM is enforced (localcloud.iam), so they get
# everything; the IAM tests pass policy=None for a role with no permissions at all.
TEST_FUNCTION_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


class Functions:
    """Creates and invokes functions through plain boto3, as an outside program would."""

    def __init__(self, cloud: LocalCloud, runtime: str = "python3.12",
                 policy: dict[str, Any] | None = TEST_FUNCTION_POLICY) -> None:
        self.cloud = cloud
        self.runtime = runtime
        self.lam = cloud.client("lambda", read_timeout=120)
        iam = cloud.client("iam")
        self.role_name = f"fn-{uuid.uuid4().hex[:8]}"
        self.role = iam.create_role(RoleName=self.role_name, AssumeRolePolicyDocument=trust_policy())["Role"]["Arn"]
        if policy is not None:
            iam.put_role_policy(RoleName=self.role_name, PolicyName="test-function-access",
                                PolicyDocument=json.dumps(policy))

    def create(self, source: str, *, runtime: str | None = None, files: dict[str, str] | None = None,
               **extra: Any) -> str:
        name = f"fn-{uuid.uuid4().hex[:10]}"
        self.lam.create_function(FunctionName=name, Runtime=runtime or self.runtime, Role=self.role,
                                 Handler="handler.handler",
                                 Code={"ZipFile": zip_of({"handler.py": source, **(files or {})})}, **extra)
        return name

    def arn(self, name: str) -> str:
        return self.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    def invoke(self, name: str, payload: object = None, **extra: Any) -> tuple[dict, object]:
        answer = self.lam.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode(), **extra)
        body = answer["Payload"].read()
        return answer, json.loads(body) if body else None
