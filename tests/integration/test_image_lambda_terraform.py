"""records_to_parquet as a container image, through the real Terraform and no Docker: the runner applies the
ECR repository alone, builds lambdas/records_to_parquet/Dockerfile with localcloud's builder and pushes it
through the registry's OCI API, then applies `package_type = "Image"` (records_package_type = "Image"); a
CSV dropped in S3 becomes Parquet through the S3 event and the image function; the re-plan is empty (the
same inputs build the same digest); destroy removes the repository, its images and the function.

The records pipeline alone is applied (-target on its S3 notification, which pulls in both of its functions
and what they need, and the buckets), in a local cloud of the test's own."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from localcloud.terraform.runner import TerraformRunner
from localcloud.testing import isolated, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.localcloud_only]
REPO = Path(__file__).resolve().parents[2]
TF_DIR = REPO / "infra" / "tflocal"
# Every bucket instance is targeted too: with only the notification, Terraform plans all of them (the for_each
# resource is one dependency) but applies the referenced ones, and the re-plan wants the rest.
RECORDS_PIPELINE = ["aws_s3_bucket.bucket", "aws_s3_bucket_notification.records"]


@pytest.fixture(scope="module")
def image_stack(tmp_path_factory):
    if not (REPO / "build" / "lambdas" / "records_catalog.zip").is_file():
        pytest.fail("build/lambdas is empty: run `make build` first (make test does)")
    cloud = isolated(tmp_path_factory.mktemp("image-lambda-state")).start()
    runner = TerraformRunner(TF_DIR, "test-image-lambda", cloud.settings.state_dir, cloud.endpoint, "us-east-1",
                             [TF_DIR / "envs" / "local.tfvars"], {"records_package_type": "Image"},
                             targets=RECORDS_PIPELINE)
    try:
        runner.apply()
        yield cloud, runner
    finally:
        cloud.stop()


def _records_to_parquet(cloud) -> dict:
    functions = cloud.client("lambda").list_functions()["Functions"]
    (configuration,) = [f for f in functions if f["FunctionName"].endswith("-records-to-parquet")]
    return configuration


def test_the_function_is_the_pushed_image(image_stack):
    cloud, _ = image_stack
    configuration = _records_to_parquet(cloud)
    assert configuration["PackageType"] == "Image"
    (repository,) = cloud.client("ecr").describe_repositories()["repositories"]
    (image,) = cloud.client("ecr").describe_images(repositoryName=repository["repositoryName"])["imageDetails"]
    assert image["imageTags"] == ["latest"]
    assert configuration["CodeSha256"] == image["imageDigest"].removeprefix("sha256:")
    code = cloud.client("lambda").get_function(FunctionName=configuration["FunctionName"])["Code"]
    assert code["ImageUri"] == f"{repository['repositoryUri']}@{image['imageDigest']}"


def test_a_csv_becomes_parquet_through_the_image_function(image_stack):
    cloud, _ = image_stack
    account = cloud.client("sts").get_caller_identity()["Account"]
    bucket = f"datapipes-local-records-{account}"
    table = f"readings_{uuid.uuid4().hex[:8]}"
    body = "Sensor ID,Reading\n" + "".join(f"s-{i % 3},{i}.5\n" for i in range(20))
    s3 = cloud.client("s3")
    s3.put_object(Bucket=bucket, Key=f"input/{table}.csv", Body=body.encode())

    def parquet():
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"record_folders/{table}/").get("Contents", [])
        return [o["Key"] for o in listed if o["Key"].endswith(".parquet")]
    (key,) = wait_for(parquet, timeout=120, what=f"the Parquet file of {table}")
    frame = pq.read_table(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    assert frame.num_rows == 20
    assert {"sensor_id", "reading"} <= set(frame.column_names)


def test_the_re_plan_is_empty(image_stack):
    _, runner = image_stack
    assert runner.push_images()  # builds and pushes again: the same inputs give the same digest
    plan = runner.plan()
    assert plan.changes == [] and plan.exit_code == 0, plan.output[-3000:]


def test_destroy_removes_the_repository_and_the_function(image_stack):
    cloud, runner = image_stack
    runner.destroy()
    assert cloud.client("ecr").describe_repositories()["repositories"] == []
    assert [f for f in cloud.client("lambda").list_functions()["Functions"]
            if f["FunctionName"].endswith("-records-to-parquet")] == []
