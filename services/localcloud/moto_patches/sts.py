"""moto.sts: an assumed-role session keeps what AssumeRole was given that moto drops.

moto's AssumeRole keeps the inline session policy (`Policy`) but not the managed session policies
(`PolicyArns`) nor the session tags (`Tags`, `TransitiveTagKeys`); IAM evaluation needs both (STS API
Reference, AssumeRole: "The resulting session's permissions are the intersection of the role's
identity-based policy and the session policies"; "Session tags ... are passed as aws:PrincipalTag").
They are kept on moto's AssumedRole object, so they are saved and restored with it.
"""

from __future__ import annotations

import time
from typing import Any

from localcloud.moto_patches.registry import Patches

PATCHES = Patches("sts")


def _members(response: Any, name: str) -> list[Any]:
    value = response._get_param(name)  # moto's automated parameter parsing: lists of dicts
    if isinstance(value, dict):
        value = value.get("member", [value])
    return value if isinstance(value, list) else []


def _remember(response: Any, result: Any) -> Any:
    session = result.result.get("Credentials") if hasattr(result, "result") else None
    if session is None or not hasattr(session, "role_arn"):
        return result
    tags = {}
    for tag in _members(response, "Tags"):
        if isinstance(tag, dict) and "Key" in tag:
            tags[str(tag["Key"])] = str(tag.get("Value", ""))
    arns = [str(p.get("arn") or p.get("Arn")) for p in _members(response, "PolicyArns") if isinstance(p, dict)]
    session.session_tags = tags
    session.transitive_tag_keys = [str(k) for k in _members(response, "TransitiveTagKeys")]
    session.policy_arns = [a for a in arns if a and a != "None"]
    session.issued_at = time.time()  # aws:TokenIssueTime
    return result


@PATCHES.wrap("moto.sts.responses:TokenResponse.assume_role", signature="(self)")
def assume_role(original: Any, self: Any) -> Any:
    """Keep PolicyArns, Tags and TransitiveTagKeys on the session."""
    return _remember(self, original(self))


@PATCHES.wrap("moto.sts.responses:TokenResponse.assume_role_with_web_identity", signature="(self)")
def assume_role_with_web_identity(original: Any, self: Any) -> Any:
    """Keep PolicyArns on the web identity session (it takes no Tags: they come from the token)."""
    return _remember(self, original(self))
