"""--localcloud-docker on a machine without Docker: a clear usage error naming what to do, nothing started."""

import shutil
import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "project"


def test_docker_option_without_docker_says_what_to_do(tmp_path):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--localcloud-docker",
                             "--localcloud-tf-dir", "infra", "test_sample.py"],
                            cwd=project, capture_output=True, text=True, timeout=300,
                            env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/docker.sock",
                                 "HOME": str(tmp_path)})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "localcloud needs no Docker" in output
    assert "--localcloud-docker" in output or "Docker could not start" in output
