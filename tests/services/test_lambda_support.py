"""Fixtures of the Lambda runtime tests. Named test_lambda_* so it stays with the tests it serves."""

from __future__ import annotations

import pytest
from support import Functions, start_cloud, zip_of  # noqa: F401  (re-exported for the Lambda tests)


@pytest.fixture(scope="module")
def lambda_cloud(tmp_path_factory: pytest.TempPathFactory):
    # Clock speed 600: AWS's 1 and 2 minute retry back-offs take 0.1 and 0.2 s.
    cloud = start_cloud(tmp_path_factory.mktemp("lambda-state"), clock_speed=600)
    yield cloud
    cloud.stop()


@pytest.fixture(scope="module")
def functions(lambda_cloud) -> Functions:
    return Functions(lambda_cloud)
