"""A person's AWS environment never reaches a local run, and preflight names every problem at once.

The shell here is what many AWS users have: another region, a profile that does not exist, a config file
whose profiles would run a credential process or send requests elsewhere, and real-looking keys. The local
cloud, the Terraform runner and the CLI must behave exactly as in an empty shell (issue: the first hour).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from localcloud.testing import free_port

LOCALCLOUD = [sys.executable, "-m", "localcloud.cli"]
REAL_LOOKING_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9hostile"

STACK = """
variable "region" {
  type    = string
  default = "us-east-1"
}

provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "data" {
  bucket = "hostile-shell-data"
}

resource "aws_secretsmanager_secret" "db" {
  name = "hostile-shell/db"
}

output "bucket" {
  value = aws_s3_bucket.data.bucket
}
"""


def hostile_environment(home: Path, marker: Path) -> dict[str, str]:
    config = home / "aws-config"
    # Any of these profiles, if read, would leave the marker behind or send requests to a dead endpoint.
    config.write_text(
        f"[default]\nregion = eu-west-2\ncredential_process = sh -c 'touch {marker}; exit 1'\n"
        "endpoint_url = http://127.0.0.1:9\n\n"
        f"[profile work]\nsso_start_url = https://example.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_account_id = 111111111111\nsso_role_name = Admin\n")
    credentials = home / "aws-credentials"
    credentials.write_text(f"[default]\naws_access_key_id = AKIAHOSTILEDEFAULT01\naws_secret_access_key = {REAL_LOOKING_SECRET}\n")
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "HOME": str(home),
        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1",
        "AWS_PROFILE": "nobody",
        "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_ACCESS_KEY_ID": "AKIAHOSTILEENVIRON01", "AWS_SECRET_ACCESS_KEY": REAL_LOOKING_SECRET,
        "AWS_SESSION_TOKEN": "hostile-session-token",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
    }


def test_terraform_and_the_cli_ignore_the_shells_aws_profile_region_and_keys(tmp_path: Path):
    home, stack, state = tmp_path / "home", tmp_path / "stack", tmp_path / "state"
    home.mkdir(), stack.mkdir()
    (stack / "main.tf").write_text(STACK)
    marker = tmp_path / "credential-process-ran"
    port = free_port()
    env = {**hostile_environment(home, marker), "LOCALCLOUD_PORT": str(port), "LOCALCLOUD_STATE_DIR": str(state),
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}

    def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*LOCALCLOUD, *args], env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)

    started = cli("start", "--detach", timeout=60)
    assert started.returncode == 0, started.stderr
    try:
        applied = cli("terraform", "apply", str(stack))
        assert applied.returncode == 0, applied.stderr[-3000:]
        outputs = cli("terraform", "outputs", str(stack))
        assert json.loads(outputs.stdout)["bucket"] == "hostile-shell-data"

        def client(service: str, region: str):
            return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name=region,
                                aws_access_key_id="test", aws_secret_access_key="test")

        # The stack's region (its variable's default), not the shell's eu-west-1 or the profile's eu-west-2.
        assert [s["Name"] for s in client("secretsmanager", "us-east-1").list_secrets()["SecretList"]] == ["hostile-shell/db"]
        assert client("secretsmanager", "eu-west-1").list_secrets()["SecretList"] == []
        assert client("secretsmanager", "eu-west-2").list_secrets()["SecretList"] == []
        assert cli("status").returncode == 0
    finally:
        stopped = cli("stop", timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    assert not marker.exists(), "a profile's credential_process ran during a local run"
    leaked = [str(path) for path in state.rglob("*") if path.is_file() and REAL_LOOKING_SECRET.encode() in path.read_bytes()]
    assert leaked == [], f"the shell's secret key reached local files: {leaked}"


def test_preflight_lists_every_problem_before_anything_starts(tmp_path: Path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    env = {**os.environ, "LOCALCLOUD_ENGINE_PATH": str(tmp_path / "no-engines-here")}
    try:
        checked = subprocess.run([*LOCALCLOUD, "preflight", "--no-install", "--port", str(port), "--state-dir",
                                  str(tmp_path / "state"), "--tf-dir", str(Path(__file__).parents[2] / "infra" / "tflocal")],
                                 env=env, capture_output=True, text=True, timeout=60, check=False)
    finally:
        holder.close()
    said = " ".join(checked.stderr.split())  # rich wraps long lines
    assert checked.returncode == 1, said
    assert f"Port {port} on 127.0.0.1 is already in use" in said
    assert "MariaDB (or MySQL) is not installed" in said and "apt-get install" in said
    assert "PostgreSQL is not installed" in said
    assert "3 problem(s) found; nothing was started or applied." in said
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("tf_text, expected", [
    ('resource "aws_db_instance" "a" {\n  engine = "mysql"\n}\n', {"mysql"}),
    ('locals {\n  dbs = { a = { engine = "postgres" }, b = { engine = "mariadb" } }\n}\n', {"mysql", "postgres"}),
    ('resource "aws_s3_bucket" "a" {}\n', set()),
])
def test_the_engines_a_stack_needs_are_read_from_its_terraform(tmp_path: Path, tf_text: str, expected: set[str]):
    from localcloud.engines.install import engines_declared

    (tmp_path / "main.tf").write_text(tf_text)
    assert engines_declared(tmp_path) == expected
