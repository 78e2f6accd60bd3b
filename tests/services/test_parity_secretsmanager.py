"""Secrets Manager's versions, staging labels and errors as its API reference describes them
(GetSecretValue, UpdateSecretVersionStage, ListSecretVersionIds, DescribeSecret; Common Errors)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def sm(cloud):
    return cloud.client("secretsmanager")


def _secret(sm, value: str = "S1") -> tuple[str, str]:
    name = f"s-{uuid.uuid4().hex[:8]}"
    return name, sm.create_secret(Name=name, SecretString=value)["VersionId"]


def test_get_secret_value_answers_the_version_labelled_awscurrent(sm):
    name, first = _secret(sm)
    second = sm.put_secret_value(SecretId=name, SecretString="S2", VersionStages=["AWSPENDING"])["VersionId"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "S1"
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", RemoveFromVersionId=first,
                                   MoveToVersionId=second)
    current = sm.get_secret_value(SecretId=name)
    assert (current["SecretString"], current["VersionId"]) == ("S2", second)
    assert sorted(current["VersionStages"]) == ["AWSCURRENT", "AWSPENDING"]
    third = sm.put_secret_value(SecretId=name, SecretString="S3", VersionStages=["AWSPENDING"])["VersionId"]
    sm.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", RemoveFromVersionId=second,
                                   MoveToVersionId=third)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "S3"
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["VersionId"] == second


def test_the_version_list_names_the_secret_by_arn_and_hides_deprecated_versions(sm):
    name, first = _secret(sm)
    arn = sm.describe_secret(SecretId=name)["ARN"]
    sm.put_secret_value(SecretId=name, SecretString="S2")  # first -> AWSPREVIOUS
    third = sm.put_secret_value(SecretId=name, SecretString="S3")["VersionId"]  # first loses its label
    listed = sm.list_secret_version_ids(SecretId=name)
    assert (listed["ARN"], listed["Name"]) == (arn, name)
    assert first not in {v["VersionId"] for v in listed["Versions"]}
    assert third in {v["VersionId"] for v in listed["Versions"]}
    assert "NextToken" not in listed
    everything = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
    assert {v["VersionId"]: v["VersionStages"] for v in everything}[first] == []
    assert first not in sm.describe_secret(SecretId=name)["VersionIdsToStages"]


def test_an_unknown_secret_is_resource_not_found_with_status_400_and_a_message_member(sm):
    for call in (lambda: sm.list_secret_version_ids(SecretId="no-such-secret"),
                 lambda: sm.get_secret_value(SecretId="no-such-secret")):
        with pytest.raises(ClientError) as caught:
            call()
        response = caught.value.response
        assert response["Error"]["Code"] == "ResourceNotFoundException"
        assert response["Error"]["Message"] == "Secrets Manager can't find the specified secret."
        assert response["Message"] == response["Error"]["Message"]  # the modelled member
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_last_accessed_date_appears_once_the_secret_is_read(sm):
    name, _ = _secret(sm)
    assert "LastAccessedDate" not in sm.describe_secret(SecretId=name)
    sm.get_secret_value(SecretId=name)
    accessed = sm.describe_secret(SecretId=name)["LastAccessedDate"].astimezone(datetime.UTC)
    assert (accessed.hour, accessed.minute, accessed.second) == (0, 0, 0)  # AWS keeps the day
    assert accessed.date() == datetime.datetime.now(datetime.UTC).date()
