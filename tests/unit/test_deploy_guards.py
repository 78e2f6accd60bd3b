"""deploy-aws refuses, before anything changes, whatever would point an AWS run at the local cloud."""

from pathlib import Path

import pytest

from localcloud.deploy.aws import backend_arguments, summarize
from localcloud.deploy.preflight import PreflightError, refuse_local_endpoint, refuse_local_files


def test_a_set_endpoint_url_is_refused():
    with pytest.raises(PreflightError, match="AWS_ENDPOINT_URL=http://127.0.0.1:4566"):
        refuse_local_endpoint({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    with pytest.raises(PreflightError, match="AWS_ENDPOINT_URL_S3"):
        refuse_local_endpoint({"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:4566"})
    refuse_local_endpoint({"HOME": "/root"})


def test_a_leftover_provider_override_is_refused(tmp_path: Path):
    (tmp_path / "main.tf").write_text("")
    (tmp_path / "localcloud_override.tf").write_text('provider "aws" {}')
    with pytest.raises(PreflightError, match="localcloud_override.tf"):
        refuse_local_files(tmp_path, [])


def test_local_tfvars_cannot_be_applied_to_aws(tmp_path: Path):
    local = tmp_path / "local.tfvars"
    local.write_text('environment = "local"\n')
    sneaky = tmp_path / "prod.tfvars"
    sneaky.write_text('cms_api_url = "http://127.0.0.1:8901"\n')
    for var_file in (local, sneaky):
        with pytest.raises(PreflightError, match="must not be applied to AWS"):
            refuse_local_files(tmp_path, [var_file])
    fine = tmp_path / "aws.tfvars"
    fine.write_text('environment = "prod"\ncms_api_url = "https://data.cms.gov"\n')
    refuse_local_files(tmp_path, [fine])


def test_the_repository_aws_tfvars_passes_the_guard(tmp_path: Path):
    aws_tfvars = Path(__file__).resolve().parents[2] / "infra" / "tflocal" / "envs" / "aws.tfvars"
    refuse_local_files(tmp_path, [aws_tfvars])


def test_backend_needs_a_bucket_and_gets_a_per_environment_key_with_s3_locking(tmp_path: Path):
    with pytest.raises(PreflightError, match="No S3 bucket"):
        backend_arguments(None, "prod", "datapipes", environ={})
    args = backend_arguments(None, "prod", "datapipes",
                             environ={"LOCALCLOUD_TF_BACKEND_BUCKET": "state", "LOCALCLOUD_TF_BACKEND_REGION": "eu-west-1"})
    assert "-backend-config=bucket=state" in args
    assert "-backend-config=key=datapipes/prod/terraform.tfstate" in args
    assert args[-1] == "-backend-config=use_lockfile=true"
    config = tmp_path / "aws.s3.tfbackend"
    config.write_text('bucket = "from-file"\nkey = "custom/key.tfstate"\n')
    args = backend_arguments(config, "prod", "datapipes", environ={})
    assert args[0] == f"-backend-config={config}"
    assert not any(a.startswith("-backend-config=key=") for a in args)  # the file's key wins
    with pytest.raises(PreflightError, match="does not exist"):
        backend_arguments(tmp_path / "missing.tfbackend", "prod", "datapipes", environ={})


def test_plan_summary_counts_replacements_as_both_add_and_destroy():
    plan = {"resource_changes": [
        {"change": {"actions": ["create"]}}, {"change": {"actions": ["update"]}},
        {"change": {"actions": ["delete", "create"]}}, {"change": {"actions": ["no-op"]}}]}
    assert summarize(plan) == {"create": 2, "update": 1, "delete": 1}
