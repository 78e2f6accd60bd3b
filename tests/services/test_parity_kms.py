"""KMS checks key ids, GenerateRandom and alias names as its API reference describes (DescribeKey,
GenerateRandom, CreateAlias; multi-Region key ids "mrk-" + 32 hex digits, KMS Developer Guide)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def kms(cloud):
    return cloud.client("kms", parameter_validation=False)


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_a_well_formed_multi_region_key_id_that_names_no_key_does_not_exist(cloud, kms):
    key_id = "mrk-" + "d3b95762" * 4
    account = cloud.client("sts").get_caller_identity()["Account"]
    assert _error(lambda: kms.describe_key(KeyId=key_id)) == (
        "NotFoundException", f"Key 'arn:aws:kms:us-east-1:{account}:key/{key_id}' does not exist")
    assert _error(lambda: kms.describe_key(KeyId="not-a-key-id")) == ("NotFoundException", "Invalid keyId not-a-key-id")


def test_generate_random_needs_a_number_of_bytes(kms):
    assert _error(lambda: kms.generate_random()) == ("ValidationException", "NumberOfBytes is required.")
    assert len(kms.generate_random(NumberOfBytes=16)["Plaintext"]) == 16


def test_an_alias_name_starts_with_alias_slash(kms):
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    assert _error(lambda: kms.create_alias(AliasName="no-prefix", TargetKeyId=key_id)) == (
        "ValidationException", 'Alias must start with the prefix "alias/". Please see '
                               "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html")
    kms.create_alias(AliasName="alias/with-prefix-" + key_id[:8], TargetKeyId=key_id)
