"""ListTagsForResource on Athena: an untagged work group exists with no tags (the Terraform provider reads
them right after CreateWorkGroup); an unknown one is InvalidRequestException."""

import pytest
from botocore.exceptions import ClientError


def test_untagged_work_group_lists_no_tags_and_unknown_ones_fail(cloud):
    athena = cloud.client("athena")
    athena.create_work_group(Name="untagged-wg", Configuration={"ResultConfiguration": {"OutputLocation": "s3://r/"}})
    arn = f"arn:aws:athena:{cloud.settings.region}:{cloud.settings.account_id}:workgroup/untagged-wg"
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    athena.tag_resource(ResourceARN=arn, Tags=[{"Key": "team", "Value": "data"}])
    assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    with pytest.raises(ClientError) as failure:
        athena.list_tags_for_resource(ResourceARN=arn + "-missing")
    assert failure.value.response["Error"]["Code"] == "InvalidRequestException"
