"""Secret versions and their staging labels as Secrets Manager keeps them.

- GetSecretValue without VersionId or VersionStage answers the version labelled AWSCURRENT (API_GetSecretValue:
  "If you don't specify either a VersionStage or VersionId, then Secrets Manager returns the AWSCURRENT
  version"). moto answered the version it last made current itself, so after UpdateSecretVersionStage moved
  AWSCURRENT the old value kept coming back.
- A version without labels is deprecated: DescribeSecret's VersionIdsToStages leaves it out, and
  ListSecretVersionIds lists it only with IncludeDeprecated (API_ListSecretVersionIds). ListSecretVersionIds
  names the secret by its ARN (moto put the name there) and its versions' own CreatedDate; an unknown secret
  is ResourceNotFoundException (moto: a KeyError, answered as an internal failure).
- GetSecretValue records the day the secret was read: DescribeSecret's LastAccessedDate ("The date that the
  secret was last accessed in the Region. This field is omitted if the secret has never been retrieved";
  AWS rounds it to the day).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from localcloud.aws.registry import handles, json_response
from localcloud.server.errors import aws_error
from localcloud.server.requests import AwsRequest


def _get_secret_value(original: Any) -> Any:
    @functools.wraps(original)
    def get_secret_value(self: Any, secret_id: str, version_id: str, version_stage: str) -> Any:
        if not version_id and not version_stage:
            version_stage = "AWSCURRENT"
        answer = original(self, secret_id, version_id, version_stage)
        today = datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.secrets[secret_id].last_accessed_date = today.timestamp()
        return answer

    return get_secret_value


def _update_secret_version_stage(original: Any) -> Any:
    @functools.wraps(original)
    def update_secret_version_stage(self: Any, secret_id: str, version_stage: str, remove_from_version_id: str,
                                    move_to_version_id: str) -> Any:
        answer = original(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return answer

    return update_secret_version_stage


def _labelled_only(original: Any) -> Any:
    @functools.wraps(original)
    def form_version_ids_to_stages(self: Any) -> dict[str, list[str]]:
        return {version: stages for version, stages in original(self).items() if stages}

    return form_version_ids_to_stages


def _with_last_accessed_date(original: Any) -> Any:
    @functools.wraps(original)
    def to_dict(self: Any) -> dict[str, Any]:
        document = original(self)
        accessed = getattr(self, "last_accessed_date", None)
        if accessed is not None:
            document["LastAccessedDate"] = accessed
        else:
            document.pop("LastAccessedDate", None)
        return document

    return to_dict


@handles("secretsmanager", "ListSecretVersionIds")
def list_secret_version_ids(request: AwsRequest):
    from localcloud.moto_adapter import secretsmanager_backends

    params = request.json()
    backend = secretsmanager_backends[request.account_id][request.region]
    secret_id = params.get("SecretId", "")
    if not backend._is_valid_identifier(secret_id):
        return aws_error("secretsmanager", 400, "ResourceNotFoundException",
                         "Secrets Manager can't find the specified secret.")
    secret = backend.secrets[secret_id]
    versions = []
    for version_id, version in secret.versions.items():
        stages = list(version.get("version_stages") or [])
        if not stages and not params.get("IncludeDeprecated"):
            continue
        entry: dict[str, Any] = {"VersionId": version_id, "VersionStages": stages,
                                 "CreatedDate": version.get("createdate")}
        if getattr(secret, "last_accessed_date", None) is not None:
            entry["LastAccessedDate"] = secret.last_accessed_date
        versions.append(entry)
    return json_response({"Versions": versions, "ARN": secret.arn, "Name": secret.name})
