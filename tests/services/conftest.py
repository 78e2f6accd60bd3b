"""Fixtures of the service tests: one real local cloud per test module and area, on the clock speed the
area needs, with functions, a recorder and a service role on it. Helpers are in support.py."""

from __future__ import annotations

import json

import pytest
from localcloud.testing import TEST_FUNCTION_POLICY
from support import SERVICE_ROLE_POLICY, Functions, Recorder, start_cloud


def _module_cloud(tmp_path_factory: pytest.TempPathFactory, name: str, clock_speed: float):
    cloud = start_cloud(tmp_path_factory.mktemp(name), clock_speed=clock_speed)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def events_cloud(tmp_path_factory: pytest.TempPathFactory):
    """Event plane tests: clock speed 60, so alarm periods and stream record ages pass in seconds."""
    yield from _module_cloud(tmp_path_factory, "events-state", 60)


@pytest.fixture(scope="module")
def events_functions(events_cloud) -> Functions:
    return Functions(events_cloud)


@pytest.fixture(scope="module")
def recorder(events_cloud, events_functions) -> Recorder:
    return Recorder(events_cloud, events_functions)


@pytest.fixture(scope="module")
def lambda_cloud(tmp_path_factory: pytest.TempPathFactory):
    """Lambda runtime tests: clock speed 600, so AWS's 1 and 2 minute retry back-offs take 0.1 and 0.2 s."""
    yield from _module_cloud(tmp_path_factory, "lambda-state", 600)


@pytest.fixture(scope="module")
def lambda_functions(lambda_cloud) -> Functions:
    return Functions(lambda_cloud)


@pytest.fixture(scope="module")
def orch_cloud(tmp_path_factory: pytest.TempPathFactory):
    """Orchestration tests: clock speed 60, so a minute of schedule or Wait state passes in a second."""
    yield from _module_cloud(tmp_path_factory, "orchestration-state", 60)


@pytest.fixture(scope="module")
def orch_functions(orch_cloud) -> Functions:
    return Functions(orch_cloud)


@pytest.fixture(scope="module")
def service_role(orch_cloud) -> str:
    iam = orch_cloud.client("iam")
    arn = iam.create_role(RoleName="orchestration-target-role",
                          AssumeRolePolicyDocument=SERVICE_ROLE_POLICY)["Role"]["Arn"]
    # Step Functions calls its tasks as this role (IAM is enforced); these tests are about orchestration.
    iam.put_role_policy(RoleName="orchestration-target-role", PolicyName="test-targets",
                        PolicyDocument=json.dumps(TEST_FUNCTION_POLICY))
    return arn
