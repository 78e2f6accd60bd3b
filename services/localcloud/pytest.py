"""pytest plugin (`-p localcloud.pytest`, loaded automatically once localcloud is installed).

Fixtures:
- `localcloud`: a local cloud for the session — an isolated one on a free port with its own state, or the
  endpoint given with --localcloud-endpoint (LocalStack, ministack, a shared localcloud).
- `localcloud_stack`: the Terraform directory (--localcloud-tf-dir, default infra/tflocal) applied to it;
  `.outputs`, `.endpoint`, `.client(service)`.
- `localcloud_reset`: empties S3 buckets, DynamoDB tables and SQS queues before a test.
With --localcloud-docker the local cloud runs in a container (testcontainers), for those who prefer Docker.
Marker `localcloud_only`: the test needs something only localcloud has (the mailbox, a fast clock, real
RDS engines); it is skipped when the run targets another endpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from localcloud.testing import LocalCloud, isolated


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("localcloud")
    group.addoption("--localcloud-endpoint", default=os.environ.get("LOCALCLOUD_TEST_ENDPOINT"),
                    help="Test against this endpoint instead of starting a local cloud.")
    group.addoption("--localcloud-tf-dir", default="infra/tflocal",
                    help="Terraform directory the localcloud_stack fixture applies.")
    group.addoption("--localcloud-var-file", action="append", default=None,
                    help="tfvars file(s) for localcloud_stack (default: <tf-dir>/envs/local.tfvars when present).")
    group.addoption("--localcloud-docker", action="store_true", default=False,
                    help="Run the local cloud in a container through testcontainers (needs Docker).")
    group.addoption("--localcloud-clock-speed", type=float, default=None,
                    help="Speed up the local clock (schedules, Wait states, alarm periods) for the session.")


def pytest_configure(config: pytest.Config) -> None:
    # Tests create boto3 clients and run Terraform: none of it may see the person's AWS profile, region or
    # real credentials (a nonexistent AWS_PROFILE alone makes every boto3 client fail).
    from localcloud.config import Settings
    from localcloud.hermetic import enter_local

    enter_local(Settings.from_env().region)
    config.addinivalue_line("markers", "localcloud_only: needs a feature only localcloud has; "
                                       "skipped with --localcloud-endpoint")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--localcloud-endpoint"):
        return
    skip = pytest.mark.skip(reason="needs localcloud itself; this run targets another endpoint")
    for item in items:
        if "localcloud_only" in item.keywords:
            item.add_marker(skip)


@dataclass
class RemoteCloud(LocalCloud):
    """An endpoint we did not start (and so must not stop)."""

    def start(self) -> "RemoteCloud":
        return self

    def stop(self) -> None:
        pass


@pytest.fixture(scope="session")
def localcloud(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    endpoint = request.config.getoption("--localcloud-endpoint")
    state_dir = tmp_path_factory.mktemp("localcloud")
    if endpoint:
        from urllib.parse import urlsplit

        from localcloud.config import Settings

        parts = urlsplit(endpoint)
        yield RemoteCloud(Settings.from_env(host=parts.hostname, port=parts.port or 80, state_dir=state_dir))
        return
    if request.config.getoption("--localcloud-docker"):
        from urllib.parse import urlsplit

        from localcloud.config import Settings
        from localcloud.containers import ContainerUnavailable, start_container

        try:
            container, url = start_container(Path(request.config.rootpath))
        except ContainerUnavailable as exc:
            raise pytest.UsageError(str(exc)) from None
        parts = urlsplit(url)
        try:
            yield RemoteCloud(Settings.from_env(host=parts.hostname, port=parts.port, state_dir=state_dir))
        finally:
            container.stop()
        return
    speed = request.config.getoption("--localcloud-clock-speed")
    cloud = isolated(state_dir, clock_speed=speed).start()
    try:
        yield cloud
    finally:
        cloud.stop()


@dataclass
class Stack:
    cloud: LocalCloud
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return self.cloud.endpoint

    def client(self, service: str, **config: Any) -> Any:
        return self.cloud.client(service, **config)


@pytest.fixture(scope="session")
def localcloud_stack_variables() -> dict[str, str]:
    """Extra -var values for localcloud_stack; override this fixture in a conftest.py, e.g. to point the stack
    at a fixture server the session started on a free port."""
    return {}


@pytest.fixture(scope="session")
def localcloud_stack(request: pytest.FixtureRequest, localcloud: LocalCloud,
                     localcloud_stack_variables: dict[str, str]) -> Stack:
    from localcloud.terraform.runner import TerraformRunner

    directory = Path(request.config.getoption("--localcloud-tf-dir")).resolve()
    var_files = request.config.getoption("--localcloud-var-file")
    if var_files is None:
        default = directory / "envs" / "local.tfvars"
        var_files = [default] if default.exists() else []
    from localcloud.terraform.stack_vars import stack_region

    variables = dict(localcloud_stack_variables)
    runner = TerraformRunner(directory, f"test-{directory.name}", localcloud.settings.state_dir, localcloud.endpoint,
                             stack_region(directory, var_files, variables), var_files, variables)
    runner.apply()
    return Stack(localcloud, runner.outputs())


@pytest.fixture
def localcloud_reset(localcloud: LocalCloud) -> None:
    """Empty every S3 bucket, DynamoDB table and SQS queue (the resources stay)."""
    s3 = localcloud.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if doomed:
                s3.delete_objects(Bucket=bucket["Name"], Delete={"Objects": doomed, "Quiet": True})
    dynamodb = localcloud.client("dynamodb")
    for table in dynamodb.list_tables().get("TableNames", []):
        keys = [k["AttributeName"] for k in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]]
        for page in dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=", ".join(
                f"#k{i}" for i in range(len(keys))), ExpressionAttributeNames={f"#k{i}": k for i, k in enumerate(keys)}):
            for item in page.get("Items", []):
                dynamodb.delete_item(TableName=table, Key=item)
    sqs = localcloud.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        # Not PurgeQueue: AWS allows one per queue every 60 s (PurgeQueueInProgress), too few for per-test resets.
        for _ in range(1000):
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not batch:
                break
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
