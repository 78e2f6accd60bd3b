"""The pytest plugin as a user meets it: a project outside this repository, its own pytest process."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
SAMPLE = Path(__file__).resolve().parent / "project"


def test_a_sample_project_outside_the_repository_passes_with_the_plugin(tmp_path):
    project = tmp_path / "sample"
    shutil.copytree(SAMPLE, project)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--localcloud-tf-dir", "infra", "test_sample.py"],
                            cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "4 passed" in result.stdout
