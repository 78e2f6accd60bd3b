"""SSM Parameter Store as its API reference describes it: hierarchical names ("/a/b/c": start with a slash,
no empty sub-path) and Secrets Manager references (/aws/reference/secretsmanager/<secret>)."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def ssm(cloud):
    return cloud.client("ssm")


@pytest.mark.parametrize("form", ["{p}/b/c", "/{p}//b//c"])
def test_a_hierarchical_name_must_start_with_a_slash_and_have_no_empty_sub_path(ssm, form):
    base = uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=f"/{base}/b/c", Value="123", Type="String")
    assert ssm.get_parameter(Name=f"/{base}/b/c")["Parameter"]["Value"] == "123"
    with pytest.raises(ClientError) as caught:
        ssm.get_parameter(Name=form.format(p=base))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "sub-paths divided by slash symbol" in caught.value.response["Error"]["Message"]


def test_a_secret_reference_answers_under_the_name_it_was_asked_by(cloud, ssm):
    secret = f"s-{uuid.uuid4().hex[:8]}"
    cloud.client("secretsmanager").create_secret(Name=secret, SecretString="my_secret")
    reference = f"/aws/reference/secretsmanager/{secret}"
    parameter = ssm.get_parameter(Name=reference, WithDecryption=True)["Parameter"]
    assert (parameter["Name"], parameter["Value"]) == (reference, "my_secret")
    assert json.loads(parameter["SourceResult"])["name"] == secret
