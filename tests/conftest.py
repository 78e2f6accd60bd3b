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
