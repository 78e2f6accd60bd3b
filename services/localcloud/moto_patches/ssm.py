"""moto.ssm: GetParameter's name rules and Secrets Manager references as SSM answers them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("ssm")

SECRET_REFERENCE = "/aws/reference/secretsmanager/"
# SSM's own words for a name that is not a valid path (a hierarchy starts with "/", with no empty sub-path).
INVALID_PATH = ('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it '
                "can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, "
                "numbers and the following 3 symbols .-_")


@PATCHES.wrap("moto.ssm.responses:SimpleSystemManagerResponse.get_parameter", signature="(self)")
def get_parameter(original: Callable[..., Any], self: Any) -> Any:
    """A hierarchical name must start with "/" and have no empty sub-path ("a/b", "/a//b" are refused with
    ValidationException, not looked up and not found). A Secrets Manager reference answers under the name it
    was asked by, /aws/reference/secretsmanager/<secret> ("Referencing AWS Secrets Manager secrets from
    Parameter Store parameters"), with the secret's description as SourceResult; moto answered the bare
    secret name."""
    from moto.ssm.exceptions import ValidationException

    name = str(self._get_param("Name") or "")
    plain = name if name.startswith("arn:") else name.split(":")[0]
    if not name.startswith("arn:") and "/" in plain and (not plain.startswith("/") or "//" in plain):
        raise ValidationException(INVALID_PATH)
    answer = original(self)
    if name.startswith(SECRET_REFERENCE):
        parameter = answer.result["Parameter"]
        parameter["Name"] = name
        try:
            source = json.loads(parameter.get("SourceResult") or "{}")
        except ValueError:
            source = None
        if isinstance(source, dict) and "Name" in source:
            source.setdefault("name", source["Name"])  # AWS's SourceResult names the secret "name"
            parameter["SourceResult"] = json.dumps(source)
    return answer
