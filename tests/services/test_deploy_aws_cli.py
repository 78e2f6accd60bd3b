"""`localcloud deploy-aws` as a person runs it, on a machine without AWS credentials or network."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*") if p.is_file() and ".terraform" not in p.parts}


def _infra_copy(tmp_path: Path) -> Path:
    """The repository's infra/tflocal without run-time override files: a local run in progress (make up, or
    the integration tests beside this one) has them there, and the guard would rightly refuse."""
    copy = tmp_path / "infra"
    shutil.copytree(ROOT / "infra" / "tflocal", copy, ignore=shutil.ignore_patterns("*override.tf", ".terraform*"))
    return copy


def _deploy(tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALCLOUD_TF_BACKEND"))}
    env.update({"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true",
                "LOCALCLOUD_TF_BACKEND_BUCKET": "some-state-bucket", **extra_env})
    infra = tmp_path / "infra" if (tmp_path / "infra").is_dir() else _infra_copy(tmp_path)
    return subprocess.run([sys.executable, "-m", "localcloud.cli", "deploy-aws", "--tf-dir",
                           str(infra), "--var-file", str(infra / "envs" / "aws.tfvars"),
                           "--build-dir", str(tmp_path / "build")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_without_credentials_it_stops_within_seconds_says_what_is_missing_and_changes_nothing(tmp_path):
    infra = _infra_copy(tmp_path)
    before = _snapshot(infra)
    started = time.monotonic()
    result = _deploy(tmp_path)
    assert time.monotonic() - started < 20
    assert result.returncode != 0
    assert "No AWS credentials were found" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert _snapshot(infra) == before
    assert not (tmp_path / ".localcloud").exists()


def test_without_credentials_and_without_a_state_backend_it_names_both(tmp_path):
    result = _deploy(tmp_path, LOCALCLOUD_TF_BACKEND_BUCKET="")
    said = " ".join(result.stderr.split())
    assert result.returncode != 0
    assert "2 problem(s)" in said
    assert "No S3 bucket for the Terraform state is configured" in said
    assert "No AWS credentials were found" in said
    assert said.count("Nothing was changed") == 1


def test_with_made_up_credentials_it_stops_at_sts_and_says_why(tmp_path):
    # Offline, STS cannot be reached; online, AWS rejects the made-up key. Either way: a clear stop.
    started = time.monotonic()
    result = _deploy(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLEEXAMPLE00", AWS_SECRET_ACCESS_KEY="x" * 40)
    assert time.monotonic() - started < 30
    assert result.returncode != 0
    assert "AWS STS could not be reached" in result.stderr or "AWS rejected the credentials" in result.stderr
    assert "Nothing was changed" in result.stderr


def test_a_local_endpoint_in_the_environment_is_refused(tmp_path):
    result = _deploy(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:4566")
    assert result.returncode != 0
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:4566 is set" in result.stderr
