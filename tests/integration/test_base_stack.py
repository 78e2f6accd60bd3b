"""infra/tflocal applied by the real Terraform through the localcloud pytest plugin."""

import pytest

pytestmark = pytest.mark.integration


def test_artifacts_bucket_exists_versioned_encrypted_and_private(localcloud_stack):
    s3 = localcloud_stack.client("s3")
    bucket = localcloud_stack.outputs["artifacts_bucket"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True


def test_default_tags_reach_the_resources(localcloud_stack):
    tags = localcloud_stack.client("s3").get_bucket_tagging(Bucket=localcloud_stack.outputs["artifacts_bucket"])
    assert {"Key": "managed_by", "Value": "terraform"} in tags["TagSet"]
