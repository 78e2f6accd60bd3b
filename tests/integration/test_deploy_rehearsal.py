"""`make deploy-rehearsal`: the real deploy-aws path (S3 backend with use_lockfile, envs/aws.tfvars, saved
plan, smoke check, destroy-aws) against a plain moto server, and two rehearsals contending for one state.

Real processes throughout: the moto server, the `localcloud deploy-rehearsal` CLI, Terraform and the
hashicorp/aws provider. Nothing here starts this kit's own local cloud: the rehearsal must not grade itself.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from localcloud.deploy.rehearsal import STATE_BUCKET
from localcloud.deploy.stand_in import MotoStandIn
from localcloud.testing import wait_for

ROOT = Path(__file__).resolve().parents[2]
STATE_KEY = "datapipes/dev/terraform.tfstate"  # <project>/<environment> of envs/aws.tfvars
LOCK_KEY = STATE_KEY + ".tflock"  # where Terraform's S3-native lock (use_lockfile) lives


def _rehearse(stand_in: str, work_dir: Path, **popen) -> subprocess.Popen:
    # The person's shell may hold anything; the rehearsal must not need or read it (AWS_PROFILE names a
    # profile that does not exist, the region differs from the stack's).
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_PROFILE": "nobody", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "x",
                "LOCALCLOUD_STATE_DIR": str(work_dir / "state")})
    command = [sys.executable, "-m", "localcloud.cli", "deploy-rehearsal", "--stand-in", stand_in,
               "--work-dir", str(work_dir), "--build-dir", str(ROOT / "build"),
               "--tf-dir", str(ROOT / "infra" / "tflocal"),
               "--var-file", str(ROOT / "infra" / "tflocal" / "envs" / "aws.tfvars")]
    return subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, **popen)


def _s3(stand_in: str):
    return boto3.client("s3", endpoint_url=stand_in, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


def _apply_holds_the_lock(stand_in: str) -> bool:
    try:
        lock = _s3(stand_in).get_object(Bucket=STATE_BUCKET, Key=LOCK_KEY)["Body"].read()
    except Exception:  # noqa: BLE001 - no bucket or no lock object yet
        return False
    return json.loads(lock).get("Operation") == "OperationTypeApply"


@pytest.fixture
def stand_in(tmp_path):
    with MotoStandIn(tmp_path / "moto.log") as server:
        yield server.url


def test_a_rehearsal_applies_the_saved_plan_smoke_checks_and_destroys_while_a_second_fails_on_the_lock(
        stand_in, tmp_path):
    first = _rehearse(stand_in, tmp_path / "first")
    # The second starts while the first's apply holds the state lock: Terraform must refuse it.
    wait_for(lambda: _apply_holds_the_lock(stand_in) or first.poll() is not None, timeout=600,
             what="the first rehearsal's apply taking the S3 state lock")
    assert first.poll() is None, f"the first rehearsal ended before its apply:\n{first.stderr.read()}"
    second = _rehearse(stand_in, tmp_path / "second")
    _, second_said = second.communicate(timeout=600)
    assert second.returncode != 0
    assert "Error acquiring the state lock" in second_said, second_said

    out, said = first.communicate(timeout=1200)
    assert first.returncode == 0, said
    report = json.loads(out)
    assert report["plan"]["create"] == report["resources_after_apply"] > 100
    assert report["plan"]["update"] == report["plan"]["delete"] == 0
    # Every function output answered the DryRun smoke check, and every function's code came through S3.
    assert len(report["smoke_checked"]) >= 10
    assert "smoke: " in said and all(f"smoke: {name} is invokable" in " ".join(said.split())
                                     for name in report["smoke_checked"])
    assert report["artifacts_uploaded_directly"] == []
    assert set(report["smoke_checked"]) <= set(report["artifacts_through_s3"])
    # destroy-aws removed everything: the state in the bucket is empty, and the lock was released.
    assert report["resources_after_destroy"] == 0
    state = json.loads(_s3(stand_in).get_object(Bucket=STATE_BUCKET, Key=STATE_KEY)["Body"].read())
    assert [r for r in state["resources"] if r["mode"] == "managed"] == []
    assert "Contents" not in _s3(stand_in).list_objects_v2(Bucket=STATE_BUCKET, Prefix=LOCK_KEY)
    # What the stand-in cannot do was said, not hidden.
    assert "not rehearsed: RDS instances are recorded" in " ".join(said.split())


def test_the_rehearsal_refuses_the_local_variables_file_before_starting_anything(tmp_path):
    result = subprocess.run([sys.executable, "-m", "localcloud.cli", "deploy-rehearsal",
                             "--var-file", str(ROOT / "infra" / "tflocal" / "envs" / "local.tfvars"),
                             "--work-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                            env={k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"})
    assert result.returncode == 1
    assert "applies the AWS variables" in result.stderr and "Nothing was changed" in result.stderr
    assert not any(tmp_path.iterdir())
