import subprocess
import sys
from pathlib import Path

import pytest

from localcloud.testing import free_port

pytestmark = pytest.mark.integration

CMS_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "cms_api" / "serve.py"


@pytest.fixture(scope="session")
def localcloud_stack_variables(tmp_path_factory: pytest.TempPathFactory):
    """The stack's CMS API is a fixture server of this session's own, on a free port: a `make up` of the same
    checkout (port 8901) or another test run must never answer for it."""
    state = tmp_path_factory.mktemp("cms-fixture")
    port = free_port()
    started = subprocess.run([sys.executable, str(CMS_FIXTURE), "--detach", "--port", str(port),
                              "--state-dir", str(state)], capture_output=True, text=True, timeout=60, check=False)
    assert started.returncode == 0, f"the CMS fixture server did not start: {started.stdout}{started.stderr}"
    yield {"cms_api_url": f"http://127.0.0.1:{port}"}
    subprocess.run([sys.executable, str(CMS_FIXTURE), "--stop", "--state-dir", str(state)], capture_output=True,
                   timeout=30, check=False)
