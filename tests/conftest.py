import pytest

from localcloud.testing import LocalCloud, isolated


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> LocalCloud:
    """One local cloud for the session's service tests, on a free port with its own state."""
    instance = isolated(tmp_path_factory.mktemp("localcloud-state")).start()
    yield instance
    instance.stop()


@pytest.fixture
def fresh_cloud(tmp_path) -> LocalCloud:
    """A local cloud of the test's own, for tests that restart or break it."""
    instance = isolated(tmp_path / "state")
    yield instance
    instance.stop()


# Running in parallel (make test uses pytest-xdist): every test of a module runs in one worker, so module
# and session fixtures start once; every test that uses the applied pipelines stack shares one worker, so
# the stack (and RDS's ~80 s provider wait) is applied once. Terraform's waits are sleeps, which is why
# the groups overlap well even on two cores.
@pytest.hookimpl(tryfirst=True)  # xdist turns the marker into the node id's @group in its own hook
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        path = item.path.as_posix()
        if "localcloud_stack" in getattr(item, "fixturenames", ()):
            group = "pipelines-stack"
        elif "/tests/unit/" in path:
            group = "unit"
        else:
            group = item.path.stem
        item.add_marker(pytest.mark.xdist_group(group))

